/**
 * Synth-time capacity checks (docs/capacity.md): a Standard workflow whose `expectedRatePerSecond`
 * exceeds the region's StartExecution refill — or Standard workflows whose rates together do, the
 * quota being the account's — gets a warning from `cdk synth`, naming the rate and the refill.
 */
import { Annotations, Stack, Token } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { WorkflowDefinition } from '../lambdas/core/index.js';
import { QUOTAS, type RegionClass } from './capacity-quotas.js';

/** The regions where AWS publishes its highest Step Functions and EventBridge defaults. */
export const LARGE_REGIONS: ReadonlySet<string> = new Set(['us-east-1', 'us-west-2', 'eu-west-1']);

/** A stack's region class; an environment-agnostic stack could land anywhere, so it counts as small. */
export function regionClassOf(scope: Construct): RegionClass {
  const { region } = Stack.of(scope);
  return !Token.isUnresolved(region) && LARGE_REGIONS.has(region) ? 'large' : 'small';
}

/** The warnings for these workflows in this region class (empty when every rate fits). */
export function startRateWarnings(workflows: Iterable<WorkflowDefinition>, regionClass: RegionClass): string[] {
  const refill = QUOTAS.standardStartRefill[regionClass];
  const where = regionClass === 'large' ? 'in this region' : 'in the smallest region class (an environment-agnostic stack counts as one)';
  const standard = [...workflows].filter((w) => w.settings.type === 'STANDARD' && w.settings.expectedRatePerSecond !== undefined);
  const warnings = standard
    .filter((w) => (w.settings.expectedRatePerSecond as number) > refill)
    .map(
      (w) =>
        `workflow ${w.id}: expectedRatePerSecond ${w.settings.expectedRatePerSecond} exceeds the Standard StartExecution refill of ${refill}/s ${where}; starts beyond it are throttled and retried (see docs/capacity.md: make it EXPRESS, or ask for a quota increase)`,
    );
  const total = standard.reduce((sum, w) => sum + (w.settings.expectedRatePerSecond as number), 0);
  if (standard.length > 1 && total > refill) {
    warnings.push(
      `Standard workflows ${standard.map((w) => w.id).join(', ')} expect ${total} starts/s together, above the account's StartExecution refill of ${refill}/s ${where}`,
    );
  }
  return warnings;
}

/** Adds each warning to the stack (`cdk synth` prints them). */
export function warnStartRates(scope: Construct, workflows: Iterable<WorkflowDefinition>): void {
  for (const warning of startRateWarnings(workflows, regionClassOf(scope))) Annotations.of(scope).addWarningV2('edwe:start-rate', warning);
}
