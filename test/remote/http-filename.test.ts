/** File names and mtimes of downloads, as BuildKit's getFileName and save pick them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentDispositionFilename, fileNameFor, mtimeOf, safeFileName } from '../../src/remote/http-filename.js';

test('safeFileName keeps one component and never . or ..', () => {
  assert.equal(safeFileName('../../etc/passwd'), 'passwd');
  assert.equal(safeFileName('/'), 'download');
  assert.equal(safeFileName('..'), 'download');
  assert.equal(safeFileName('a b.txt'), 'a b.txt');
});

test('Content-Disposition: quoted, token and RFC 5987 filename*; a trailing slash names nothing', () => {
  assert.equal(contentDispositionFilename('attachment; filename="x \\"y\\".txt"'), 'x "y".txt');
  assert.equal(contentDispositionFilename('attachment; filename=plain.bin'), 'plain.bin');
  assert.equal(contentDispositionFilename("attachment; filename*=UTF-8''na%C3%AFve.txt"), 'naïve.txt');
  assert.equal(fileNameFor({ url: 'http://h/p/file.zip', contentDisposition: 'attachment; filename="dir/"' }), 'file.zip');
});

test('the http.filename attr wins over Content-Disposition, which wins over the URL; no name at all is "download"', () => {
  assert.equal(fileNameFor({ url: 'http://h/a.txt', manual: 'b.txt', contentDisposition: 'attachment; filename=c.txt' }), 'b.txt');
  assert.equal(fileNameFor({ url: 'http://h/a.txt', contentDisposition: 'attachment; filename=c.txt' }), 'c.txt');
  assert.equal(fileNameFor({ url: 'http://h/dir/a%20b.txt?q=1' }), 'a b.txt');
  assert.equal(fileNameFor({ url: 'http://h/' }), 'download');
});

test('mtime: Last-Modified in seconds, else the epoch', () => {
  assert.equal(mtimeOf('Wed, 21 Oct 2015 07:28:00 GMT'), 1445412480);
  assert.equal(mtimeOf(undefined), 0);
  assert.equal(mtimeOf('garbage'), 0);
});
