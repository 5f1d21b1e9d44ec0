// `node --import` this in a fixture app process to run it on the Nest 11 line (nest-line-hooks.mjs).
import { register } from 'node:module';

register('./nest-line-hooks.mjs', import.meta.url);
