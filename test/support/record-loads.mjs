// `node --import ./record-loads.mjs script.mjs`: appends the URL of every ES module the process loads
// to the file named by $EDWE_LOADS_FILE (CommonJS files loaded under them are in require.cache).
import { register } from 'node:module';

register('./record-loads-hooks.mjs', import.meta.url, { data: { file: process.env.EDWE_LOADS_FILE } });
