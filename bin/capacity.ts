#!/usr/bin/env tsx
/**
 * `npm run capacity -- --rate 10000 --trigger 0.1 --workflow-type STANDARD [--region-class large|small] [--event-bytes 1024]`:
 * prints each quota on the path with its load, the one that binds first, the settings to choose and
 * the cost per million events (lib/capacity.ts; docs/capacity.md explains the model).
 */
import { parseArgs } from 'node:util';
import { capacityModel, checkCapacityInput, formatCapacity } from '../lib/capacity.js';

const USAGE = 'Usage: npm run capacity -- --rate <events/s> --trigger <0..1> --workflow-type STANDARD|EXPRESS [--region-class large|small] [--event-bytes 1024]';

try {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string' },
      trigger: { type: 'string' },
      'workflow-type': { type: 'string' },
      'region-class': { type: 'string' },
      'event-bytes': { type: 'string' },
    },
  });
  const num = (text: string | undefined) => (text === undefined ? undefined : Number(text));
  const input = checkCapacityInput({
    rate: num(values.rate),
    trigger: num(values.trigger),
    ...(values['workflow-type'] === undefined ? {} : { workflowType: values['workflow-type'] }),
    ...(values['region-class'] === undefined ? {} : { regionClass: values['region-class'] }),
    ...(values['event-bytes'] === undefined ? {} : { eventBytes: Number(values['event-bytes']) }),
  });
  process.stdout.write(`${formatCapacity(capacityModel(input))}\n`);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
  process.exitCode = 2;
}
