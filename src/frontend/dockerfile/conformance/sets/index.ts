/** Every conformance set the runner executes, in order. Add a set by adding one line. */
import type { ConformanceSet } from '../set.js';
import { parserDirectives } from './parser-directives.js';
import { parserHeredoc } from './parser-heredoc.js';
import { parserLines } from './parser-lines.js';
import { parserTestfiles, parserTestfilesNegative } from './parser-testfiles.js';
import { parserWords } from './parser-words.js';
import { shellSets } from './shell.js';
import { dockerignoreSets } from './dockerignore.js';
import { instructionErrors } from './instruction-errors.js';

export const allSets: ConformanceSet[] = [
  parserTestfiles,
  parserTestfilesNegative,
  parserLines,
  parserWords,
  parserHeredoc,
  parserDirectives,
  ...shellSets,
  ...dockerignoreSets,
  instructionErrors,
];
