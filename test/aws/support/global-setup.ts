/**
 * vitest global setup of the AWS tier: one moto server for the whole run, its endpoint provided to
 * every test file (`inject('motoEndpoint')`), stopped by its PID when the run ends.
 */
import type { TestProject } from 'vitest/node';
import { startMotoServer } from './moto.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `http://127.0.0.1:<port>` of the moto server. */
    motoEndpoint: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const moto = await startMotoServer();
  project.provide('motoEndpoint', moto.endpoint);
  return () => moto.stop();
}
