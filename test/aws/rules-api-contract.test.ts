/**
 * The rules API's HTTP contract (test/e2e/rules-api.scenarios.ts) on the AWS home, on moto: the same scenarios the
 * embedded engine passes, each call authorized by IAM as API Gateway would and answered by the route's function.
 */
import { afterAll, beforeAll, inject } from 'vitest';
import { describeRulesApiContract, type RulesApiDriver } from '../e2e/rules-api.scenarios.js';
import { awsClients, type AwsClients } from './support/aws-clients.js';
import { resetMoto } from './support/moto.js';
import { createEngineResources } from './support/resources.js';
import { awsRulesApiDriver } from './support/rules-api-driver.js';

/** The shortest refresh bound a deployer may set (`ruleRefreshSeconds`): `applied()` waits one second, not ten. */
const REFRESH_SECONDS = 1;

let aws: AwsClients;
let driver: RulesApiDriver;

beforeAll(async () => {
  aws = awsClients();
  await resetMoto(inject('motoEndpoint'));
  driver = awsRulesApiDriver(aws, await createEngineResources(aws), REFRESH_SECONDS);
});

afterAll(() => aws.destroy());

describeRulesApiContract('aws', () => driver);
