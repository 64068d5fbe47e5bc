import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metadataJson } from '../../src/cli/metadata-file.js';

test('metadata JSON: top-level keys sorted, object values in the order given, Go escaping, two-space indent', () => {
  const text = metadataJson({
    'image.name': 'docker.io/library/a:1,docker.io/library/b:<x>&',
    'containerimage.digest': 'sha256:1',
    'containerimage.descriptor': { mediaType: 'm', digest: 'sha256:1', size: 2, annotations: { 'org.opencontainers.image.created': 't' } },
  });
  assert.equal(text, [
    '{',
    '  "containerimage.descriptor": {',
    '    "mediaType": "m",',
    '    "digest": "sha256:1",',
    '    "size": 2,',
    '    "annotations": {',
    '      "org.opencontainers.image.created": "t"',
    '    }',
    '  },',
    '  "containerimage.digest": "sha256:1",',
    '  "image.name": "docker.io/library/a:1,docker.io/library/b:\\u003cx\\u003e\\u0026"',
    '}',
    '',
  ].join('\n'));
});
