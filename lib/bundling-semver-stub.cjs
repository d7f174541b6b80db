/**
 * Stands in for `semver` in the Lambda bundles (lib/lambda-defaults.ts, `--alias`): the X-Ray SDK
 * under Powertools Tracer requires it only to check an AWS SDK v2 version in `captureAWS`, which the
 * engine never calls (it captures SDK v3 clients). 30 KB less in every bundle; a call fails loudly.
 */
const unsupported = () => {
  throw new Error('semver is not bundled: the X-Ray SDK v2 patcher (captureAWS) is not supported in edwe functions; capture SDK v3 clients');
};
module.exports = { gte: unsupported, satisfies: unsupported, valid: unsupported, coerce: unsupported };
