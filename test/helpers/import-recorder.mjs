// Loaded with `node --import`: records the URL of every module the process imports, one per line, in the file
// that SEAWALL_RECORD_IMPORTS names (cli.test.ts checks what a command's help loads).
import { register } from 'node:module';

register('./import-recorder-hooks.mjs', import.meta.url, { data: process.env.SEAWALL_RECORD_IMPORTS });
