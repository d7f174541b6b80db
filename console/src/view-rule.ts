/**
 * One rule (`#/rule/<id>`), or a new one (`#/rule`): its facts, its document in a JSON editor (managed rules: save
 * with `If-Match`, enable, disable, delete; files rules read-only), the backtest and the history with roll back.
 */
import { ApiError, api, apiCall } from './api.js';
import { h, problem, show, stamp } from './dom.js';
import type { View } from './main.js';
import { backtestPanel } from './rule-backtest.js';
import { canWriteRules } from './rule-access.js';
import { documentOf, ifMatch, parseDocument, pretty } from './rule-edit.js';
import { historyPanel } from './rule-history.js';
import type { ApiRule, ApiRuleVersion } from './types.js';

/** What a new rule's editor starts with: the fields most rules have. */
const TEMPLATE: Record<string, unknown> = { eventType: 'order.placed', workflow: '', priority: 0, conditions: [{ field: 'tier', value: 'vip' }] };

const path = (id: string) => `/rules/${encodeURIComponent(id)}`;

export const renderRule: View = (root, id) => {
  const load = async (notice?: string) => {
    show(root, h('p', { class: 'muted' }, 'Loading…'));
    try {
      const writable = await canWriteRules();
      let rule: ApiRule | undefined;
      let initial: Record<string, unknown> = TEMPLATE;
      if (id !== '') {
        rule = await apiCall<ApiRule>(path(id)).then(
          ({ body }) => body,
          (error: unknown) => {
            if (error instanceof ApiError && error.status === 404) return undefined;
            throw error;
          },
        );
        // A deleted rule keeps its history (a 404 there too: there never was one): the editor shows its last version.
        initial = rule ? documentOf(rule) : ((await api<{ versions: ApiRuleVersion[] }>(`${path(id)}/history`)).versions.at(-1)?.rule ?? TEMPLATE);
      }
      show(root, ...editor(id, rule, initial, writable, load, notice));
    } catch (error) {
      show(root, h('h1', {}, id || 'New rule'), problem(error));
    }
  };
  void load();
  return undefined;
};

function editor(
  id: string,
  rule: ApiRule | undefined,
  initial: Record<string, unknown>,
  writable: boolean,
  reload: (notice?: string) => Promise<void>,
  notice?: string,
): Array<Node | null> {
  const isNew = id === '';
  const files = rule?.managedBy === 'files';
  const version = rule?.version;
  const canEdit = writable && !files;
  const idInput = h('input', { type: 'text', name: 'id', 'aria-label': 'rule id', placeholder: 'rule id: a-z, 0-9, -', pattern: '[a-z0-9-]{1,64}', required: true });
  const text = h('textarea', { class: 'editor mono', name: 'rule', 'aria-label': 'rule JSON', rows: 18, spellcheck: 'false', readonly: !canEdit });
  text.value = pretty(initial);
  const errors = h('div', { class: 'rule-errors', 'data-testid': 'rule-errors', 'aria-live': 'polite' });
  const status = h('p', { class: 'muted', 'data-testid': 'rule-status' }, notice ?? '');
  const ruleId = () => (isNew ? idInput.value.trim() : id);

  const attempt = (action: () => Promise<void>) => () => {
    show(errors);
    action().catch((error: unknown) =>
      show(
        errors,
        explain(error, () => void reload()),
      ),
    );
  };
  const save = attempt(async () => {
    const candidate = parseDocument(text.value);
    const target = ruleId();
    if (target === '') throw new Error('Give the rule an id (a-z, 0-9, -)');
    if (isNew && (await exists(target))) throw new Error(`A rule "${target}" exists already: open it to change it`);
    const { body } = await apiCall<ApiRule>(path(target), { method: 'PUT', body: candidate, headers: ifMatch(version) });
    if (isNew) location.hash = `#/rule/${encodeURIComponent(target)}`;
    else await reload(`Saved as version ${body.version}.`);
  });
  const toggle = attempt(async () => {
    const enabled = rule?.enabled === false;
    const { body } = await apiCall<ApiRule>(path(id), { method: 'PATCH', body: { enabled }, headers: ifMatch(version) });
    await reload(`${enabled ? 'Enabled' : 'Disabled'}: version ${body.version}.`);
  });
  const remove = attempt(async () => {
    if (!window.confirm(`Delete the rule "${id}"? Its history stays, and a version can be restored from it.`)) return;
    await api(path(id), { method: 'DELETE', headers: ifMatch(version) });
    location.hash = '#/rules';
  });
  const rollBack = async (old: Record<string, unknown>, from: number) => {
    const { body } = await apiCall<ApiRule>(path(id), { method: 'PUT', body: old, headers: ifMatch(version) });
    await reload(`Rolled back to version ${from}: saved as version ${body.version}.`);
  };

  const lacking = writable ? undefined : 'This token lacks rules:write';
  const button = (label: string, onclick: () => void, ghost = false) =>
    h('button', { type: 'button', class: ghost ? 'ghost' : undefined, disabled: !writable, title: lacking, onclick }, label);
  const actions = files
    ? null
    : h(
        'div',
        { class: 'toolbar' },
        button(isNew ? 'Create' : rule ? 'Save' : 'Save (restore)', save),
        rule && !isNew ? button(rule.enabled === false ? 'Enable' : 'Disable', toggle, true) : null,
        rule && !isNew ? button('Delete', remove, true) : null,
        h('button', { type: 'button', class: 'ghost', onclick: () => void reload() }, 'Reload'),
        writable ? null : h('span', { class: 'muted', 'data-testid': 'read-only' }, 'Read-only: this token lacks the scope rules:write.'),
      );
  return [
    h('p', { class: 'small' }, h('a', { href: '#/rules' }, '← Rules')),
    isNew ? h('h1', {}, 'New rule') : h('h1', {}, id, ' ', rule?.enabled === false ? h('span', { class: 'muted' }, '(disabled)') : null),
    isNew ? h('label', { class: 'field' }, 'Id ', idInput) : facts(rule),
    files
      ? h(
          'p',
          { class: 'note', 'data-testid': 'files-rule' },
          'Read-only: this rule comes from the rules/*.yaml files (managedBy: files). Change it in git and redeploy; the API refuses changes to it (409 managed_by_files). Its version is a digest of its content.',
        )
      : null,
    !isNew && rule === undefined ? h('p', { class: 'note' }, 'This rule is deleted. Its history is below: roll back to a version to restore it.') : null,
    h('div', { class: 'editor-grid' }, h('div', {}, text, actions), h('div', {}, status, errors)),
    backtestPanel(() => ({ ...parseDocument(text.value), id: ruleId() || 'candidate' })),
    files || isNew ? null : historyPanel(id, { writable, rollBack }),
  ];
}

function facts(rule: ApiRule | undefined): HTMLElement | null {
  if (!rule) return null;
  const pairs: Array<[string, string | number]> = [
    ['layer', rule.managedBy ?? 'files'],
    ['version', rule.version ?? ''],
    ['enabled', rule.enabled === false ? 'no' : 'yes'],
  ];
  if (rule.updatedAt) pairs.push(['updated', `${stamp(rule.updatedAt)} by ${rule.updatedBy ?? '?'}`]);
  if (rule.nextFires?.length) pairs.push(['next fires', rule.nextFires.map(stamp).join(', ')]);
  return h('dl', { class: 'facts' }, ...pairs.flatMap(([name, value]) => [h('dt', {}, name), h('dd', { 'data-field': name }, value)]));
}

async function exists(id: string): Promise<boolean> {
  return api(path(id)).then(
    () => true,
    (error: unknown) => {
      if (error instanceof ApiError && error.status === 404) return false;
      throw error;
    },
  );
}

/** A refusal in the editor's words: 412 asks for a reload, 400 lists each problem by its JSON path, 403 names the scope. */
function explain(error: unknown, reload: () => void): HTMLElement {
  if (!(error instanceof ApiError)) return problem(error);
  if (error.status === 412) {
    return h(
      'div',
      { class: 'problem', role: 'alert', 'data-code': 'precondition_failed' },
      'Changed meanwhile — reload. Someone saved a newer version after this page read the rule; your text is kept until you reload. ',
      h('button', { type: 'button', class: 'ghost', onclick: reload }, 'Reload'),
    );
  }
  if (error.details.length === 0 || error.status === 403) return problem(error);
  return h(
    'div',
    { class: 'problem', role: 'alert', 'data-code': error.code ?? String(error.status) },
    `The engine refused it (${error.status}${error.code ? ` ${error.code}` : ''}):`,
    h('ul', {}, ...error.details.map((d) => h('li', {}, h('code', {}, d.path), `: ${d.message}`))),
  );
}
