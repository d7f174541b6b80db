/**
 * Module boundaries of edwe, checked by dependency-cruiser (`npm run lint:deps`, and by
 * test/unit/architecture.test.ts through the same file). One application core, two homes:
 * core is pure, the AWS home and the embedded home never reach into each other, the CDK app
 * only shares what is SDK-free.
 */

/** Every npm dependency type: "anything from node_modules", resolved or not. */
const NPM = ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-bundled', 'npm-no-pkg', 'npm-unknown'];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-imports-only-core',
      severity: 'error',
      comment:
        'lambdas/core is the one application core of both homes: it is written against its own ports, so it never ' +
        'imports a home (lambdas/aws, lambdas/embedded), a handler, the CDK app, the CLI or any other folder.',
      from: { path: '^lambdas/core/' },
      to: { path: '^(bin|cli|lib|lambdas|workflows|bench|test|types|scripts|rules)/', pathNot: '^lambdas/core/' },
    },
    {
      name: 'core-uses-only-node-zod-yaml',
      severity: 'error',
      comment:
        'Core is pure: node built-ins, zod and yaml only. No @aws-sdk/*, aws-cdk-lib, constructs, better-sqlite3, ' +
        '@middy/* or @aws-lambda-powertools/* — those belong to the adapters and handlers that implement the ports. ' +
        'Also catches an import that does not resolve, so a missing package cannot slip through.',
      from: { path: '^lambdas/core/' },
      to: { dependencyTypesNot: ['local', 'core'], pathNot: '^node_modules/(zod|yaml)/' },
    },
    {
      name: 'aws-home-not-embedded-home',
      severity: 'error',
      comment:
        'The two homes implement the same ports independently; what they share lives in lambdas/core. ' +
        'An import from lambdas/aws into lambdas/embedded would pull SQLite into a Lambda bundle.',
      from: { path: '^lambdas/aws/' },
      to: { path: '^lambdas/embedded/' },
    },
    {
      name: 'embedded-home-not-aws-home',
      severity: 'error',
      comment:
        'The embedded home runs on one machine without AWS: importing lambdas/aws (or a Lambda handler) would drag ' +
        'the AWS SDK into it. Shared behaviour belongs in lambdas/core.',
      from: { path: '^lambdas/embedded/' },
      to: { path: '^lambdas/(aws|handlers)/' },
    },
    {
      name: 'embedded-without-aws-sdk-or-middy',
      severity: 'error',
      comment: 'The embedded engine stands in for AWS: it must not load the AWS SDK or the Lambda middleware engine.',
      from: { path: '^lambdas/embedded/' },
      to: { path: '(^|/)(@aws-sdk|@middy)/' },
    },
    {
      name: 'handlers-not-embedded',
      severity: 'error',
      comment:
        'A Lambda handler is wiring for the AWS home: it builds the AWS adapters and calls core. The embedded home ' +
        '(SQLite, an in-process change feed) has no place in a Lambda bundle. (The CLI is covered by cli-only-from-bin.)',
      from: { path: '^lambdas/handlers/' },
      to: { path: '^lambdas/embedded/' },
    },
    {
      name: 'handlers-are-entries-only',
      severity: 'error',
      comment:
        'A file in lambdas/handlers/ is one Lambda entry: lambdaHandler(buildDeps, createHandler) from the AWS home. ' +
        'What it wraps lives in lambdas/aws/ (the driving adapters and the wiring), so an entry imports nothing else of the project.',
      from: { path: '^lambdas/handlers/' },
      to: { path: '^(lambdas/(core|embedded|layout|project|tasks|handlers)|lib|cli|bin)/' },
    },
    {
      name: 'lib-only-sdk-free-runtime-code',
      severity: 'error',
      comment:
        'The CDK app (lib/) shares only what is SDK-free with the runtime: core, the table layouts and the project ' +
        'loader. Handlers, adapters, the embedded home, built-in tasks and the CLI are bundled or run, never imported.',
      from: { path: '^lib/' },
      to: { path: '^(lambdas|cli|bin)/', pathNot: '^lambdas/(core|layout|project)/' },
    },
    {
      name: 'layout-only-itself-and-core',
      severity: 'error',
      comment:
        'lambdas/layout holds the table layouts shared by the CDK constructs, the adapters and the tests; it stays ' +
        'free of anything but itself and core so that lib/ can import it without the SDK.',
      from: { path: '^lambdas/layout/' },
      to: { pathNot: '^lambdas/(layout|core)/' },
    },
    {
      name: 'cli-only-from-bin',
      severity: 'error',
      comment: 'cli/ is the command-line front end: only bin/ (and tests) import it. Neither home, nor a handler, nor the CDK app may depend on the CLI.',
      from: { pathNot: '^(bin|cli|test)/' },
      to: { path: '^cli/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'A cycle makes module load order matter (an import can see an uninitialised binding) and means two ' +
        'modules are really one; break it by moving the shared part down.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve fails at run time, and the path rules above cannot judge it.',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-non-package-json',
      severity: 'error',
      comment: 'A package that is imported but not declared in package.json works only while some other package happens to pull it in; declare it.',
      from: {},
      // A peer dependency that is also a dev dependency is tagged npm-no-pkg as well: declared is declared.
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'], dependencyTypesNot: ['npm', 'npm-dev', 'npm-peer', 'npm-optional'] },
    },
  ],
  options: {
    // Type-only imports count: a type import of an SDK into core is still a dependency on the SDK.
    tsPreCompilationDeps: true,
    // Resolve as tsc does (NodeNext: './x.js' in source means './x.ts').
    tsConfig: { fileName: 'tsconfig.json' },
    // Follow the project, not the packages; dynamic `import()` is followed like a static import.
    doNotFollow: { path: 'node_modules', dependencyTypes: NPM },
    // Build output and the embedded engine's data folder are not source. (node_modules stays in: the rules
    // above judge imports of packages, so packages must appear in the graph, as leaves.)
    exclude: { path: '^(cdk\\.out|dist|\\.edwe)/' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
