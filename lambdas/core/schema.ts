/**
 * The schema library of the engine's runtime code: zod's tree-shakable `zod/mini`, with zod's
 * English messages. The full `zod` put about 450 KB into every Lambda bundle (docs/capacity.md,
 * "Bundles"); import this module as a namespace (`import * as z from '…/schema.js'`) so that a
 * bundle keeps only the functions it calls.
 */
import { config } from 'zod/mini';
import { en } from 'zod/locales';

config(en());

export * from 'zod/mini';
