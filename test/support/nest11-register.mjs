// `node --import` this in a forked app process to run it on the Nest 11 line.
import { register } from 'node:module';

register('./nest11-hooks.mjs', import.meta.url);
