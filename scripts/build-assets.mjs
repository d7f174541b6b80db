// `npm run build`, after tsc: what tsc does not emit. The web console bundled once into dist/console, so an
// installed package serves it without esbuild (lambdas/embedded/console-route.ts reads dist/console/app.js
// when it is there); and lib/bundling-semver-stub.cjs, which `edwe/cdk` hands esbuild when it bundles the handlers.
import { copyFileSync, mkdirSync } from 'node:fs';
import { build } from 'esbuild';

mkdirSync('dist/console', { recursive: true });
await build({
  entryPoints: ['console/src/main.ts'],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  outfile: 'dist/console/app.js',
});
for (const file of ['index.html', 'styles.css']) copyFileSync(`console/${file}`, `dist/console/${file}`);
copyFileSync('lib/bundling-semver-stub.cjs', 'dist/lib/bundling-semver-stub.cjs');
