/** derived/parse-words.json: ENV/LABEL/ARG word splitting with quotes and escapes kept. */
import { Type } from '@sinclair/typebox';
import { splitWords } from '../../parser/index.js';
import { loadJson } from '../load.js';
import { compare, runCase, type ConformanceSet } from '../set.js';

const Schema = Type.Object({
  cases: Type.Array(Type.Object({ input: Type.String(), words: Type.Array(Type.String()) })),
});

export const parserWords: ConformanceSet = {
  name: 'derived/parse-words.json',
  async run(root) {
    const data = await loadJson(root, 'derived/parse-words.json', Schema);
    return data.cases.map((c) => runCase(JSON.stringify(c.input), () => compare(c.words, splitWords(c.input, '\\'))));
  },
};
