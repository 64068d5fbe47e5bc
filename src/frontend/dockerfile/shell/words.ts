import { isGoSpace } from './chars.js';

/**
 * Accumulates the words of ProcessWords. Unquoted literal text and unquoted expansion results
 * go through addChar/addString and split on whitespace; quoted text and escaped characters go
 * through the raw variants and never split. An empty quoted string marks a word as started but
 * yields no word unless something non-empty joins it (BuildKit behaviour: `""` alone is no word).
 */
export class WordSplitter {
  private word = '';
  private inWord = false;
  private readonly words: string[] = [];

  addChar(ch: string): void {
    if (isGoSpace(ch)) {
      if (this.inWord && this.word.length !== 0) {
        this.words.push(this.word);
        this.word = '';
        this.inWord = false;
      }
    } else {
      this.addRawChar(ch);
    }
  }

  addRawChar(ch: string): void {
    this.word += ch;
    this.inWord = true;
  }

  addString(s: string): void {
    for (const ch of s) this.addChar(ch);
  }

  addRawString(s: string): void {
    this.word += s;
    this.inWord = true;
  }

  finish(): string[] {
    if (this.word.length > 0) {
      this.words.push(this.word);
      this.word = '';
      this.inWord = false;
    }
    return this.words;
  }
}
