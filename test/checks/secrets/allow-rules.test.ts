import { describe, expect, it } from "vitest";
import { isAllowedSecretPath, secretAllowRuleFor } from "../../../lib/checks/secrets/allow-rules.js";

describe("secret allow rules", () => {
  const allowed: Record<string, string> = {
    "app/test/keys/server.key": "test-fixtures",
    "srv/api/tests/fixtures/id_rsa": "test-fixtures",
    "go/src/app/testdata/key.pem": "test-fixtures",
    "app/src/__tests__/auth.js": "test-fixtures",
    "app/spec/token.rb": "test-fixtures",
    "app/pkg/auth/auth_test.go": "test-fixtures",
    "app/lib/test_auth.py": "test-fixtures",
    "app/src/auth.spec.ts": "test-fixtures",
    "usr/share/doc/openssl/README": "documentation",
    "usr/share/man/man1/ssh-keygen.1.gz": "documentation",
    "opt/app/README.md": "documentation",
    "opt/app/examples/config.yaml": "examples",
    "app/node_modules/jws/testing/keys.js": "third-party-tests",
    "usr/lib/python3/site-packages/oauthlib/tests_data/key.py": "third-party-tests",
    "usr/local/go/src/crypto/tls/handshake_server.go": "toolchain-sources",
    "usr/lib/go-1.22/src/net/http/internal/testcert/testcert.go": "toolchain-sources",
  };
  for (const [path, id] of Object.entries(allowed)) {
    it(`allows ${path} (${id})`, () => {
      expect(secretAllowRuleFor(path)?.id).toBe(id);
      expect(secretAllowRuleFor(path)?.reason.length).toBeGreaterThan(10);
    });
  }

  for (const path of [
    "app/.env",
    "etc/ssl/private/server.key",
    "root/.ssh/id_ed25519",
    "srv/config/settings.py",
    "app/contest/config.yaml",
    "app/latest/secrets.json",
    "usr/share/nginx/html/config.js",
    "app/node_modules/.npmrc",
  ]) {
    it(`does not allow ${path}`, () => {
      expect(isAllowedSecretPath(path)).toBe(false);
    });
  }
});
