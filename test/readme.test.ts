import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixtureDataDir } from './helpers.js';
import { runReadmeExample } from './readme-example.js';

describe('README', () => {
  it('its MID-L example runs as written (on the fixtures) and prints accuracy and the cost report', () => {
    const { accuracy, stdout } = runReadmeExample(fixtureDataDir);
    // One epoch over the fixtures' 1,000 images: well above chance (10%), far from a full run.
    assert.ok(accuracy > 50, `accuracy ${accuracy}`);
    assert.match(stdout, /MIDL\s+229,136\s+401,408\s+230\s+44\.9%/);
    assert.match(stdout, /saving 1\.\d\dx/);
  });
});
