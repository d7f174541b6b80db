import { describe, expect, it } from 'vitest';
import { REPLAY_SOURCE, type ReplayBusEntry } from '../../lambdas/core/index.js';
import { LocalBus, LocalBusReplayEmitter, NO_SUBSCRIPTION } from '../../lambdas/embedded/local-bus.js';
import { ACCEPTED_WORKFLOWS, aBusEntry, describeReplayEmitterContract, REFUSED_WORKFLOW } from './replay-emitter.contract.js';

/** A bus with the engine's per-workflow replay subscriptions for the accepted workflows, recording what they take. */
function aBus(): { bus: LocalBus; delivered: ReplayBusEntry[] } {
  const bus = new LocalBus();
  const delivered: ReplayBusEntry[] = [];
  for (const workflowId of ACCEPTED_WORKFLOWS)
    bus.subscribe({ source: [REPLAY_SOURCE], detail: { workflowId: [workflowId] } }, (entry) => delivered.push(entry as ReplayBusEntry));
  return { bus, delivered };
}

describeReplayEmitterContract('LocalBusReplayEmitter', async () => {
  const { bus, delivered } = aBus();
  return { emitter: new LocalBusReplayEmitter(bus), delivered: () => [...delivered] };
});

describe('LocalBusReplayEmitter', () => {
  it('refuses an entry no subscription takes as NoSubscription, naming its workflow', async () => {
    const { bus } = aBus();
    const entry = aBusEntry(0, REFUSED_WORKFLOW);

    const result = await new LocalBusReplayEmitter(bus).emit([entry]);

    expect(result.refused).toEqual([{ entry, code: NO_SUBSCRIPTION, message: `no subscription on the bus takes entries for workflow "${REFUSED_WORKFLOW}"` }]);
  });

  it('lets a subscription that throws fail the call, as an engine fault', async () => {
    const bus = new LocalBus();
    bus.subscribe({ source: [REPLAY_SOURCE] }, () => {
      throw new Error('the database is closed');
    });

    await expect(new LocalBusReplayEmitter(bus).emit([aBusEntry(0)])).rejects.toThrow('the database is closed');
  });
});
