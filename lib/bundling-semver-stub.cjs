/**
 * Stands in for `semver` in the engine's X-Ray layer (lib/xray-layer.ts lays it out as `semver`): the
 * X-Ray SDK under Powertools Tracer requires it at load only to check an AWS SDK v2 version in
 * `captureAWS`, which the engine never calls (it captures SDK v3 clients). A call fails loudly.
 */
const unsupported = () => {
  throw new Error('semver is not bundled: the X-Ray SDK v2 patcher (captureAWS) is not supported in edwe functions; capture SDK v3 clients');
};
module.exports = { gte: unsupported, satisfies: unsupported, valid: unsupported, coerce: unsupported };
