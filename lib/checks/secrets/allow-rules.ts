/** Paths whose secrets are known not to be the image's own: skipped before their contents are read. */
export interface SecretAllowRule {
  /** Stable id, e.g. "test-fixtures". */
  id: string;
  /** Why secrets there are not reported. */
  reason: string;
  /** `path` is normalised: inside the image, no leading slash. */
  matches(path: string): boolean;
}

/** Directory names that hold tests and their fixtures, in any project layout. */
const TEST_DIRS = new Set(["test", "tests", "testdata", "fixtures", "__tests__", "__fixtures__", "spec"]);

/** Test sources by naming convention: foo_test.go, test_foo.py, foo.test.ts, foo.spec.js. */
const TEST_FILE = /(?:^|\/)(?:test_[^/]*\.py|[^/]*_test\.(?:go|py|rb)|[^/]*\.(?:test|spec)\.[cm]?[jt]sx?)$/;

const DOC_EXTENSIONS = /\.(?:md|markdown|rst|adoc)$/i;
/** Python package metadata: the project's README, with its usage examples. */
const PACKAGE_METADATA = /\.(?:dist-info\/METADATA|egg-info\/PKG-INFO)$/;
const DOC_TREES = /^usr\/share\/(?:doc|man|info|gtk-doc|help|licenses|common-licenses)\//;

/** Language toolchains ship their standard library's test keys with the sources. */
const TOOLCHAIN_SOURCES = /^usr\/(?:lib\/go[^/]*|local\/go)\/src\//;

/** Test, example and doc directories anywhere under an installed third-party package tree. */
const PACKAGE_TESTS =
  /(?:^|\/)(?:node_modules|site-packages|dist-packages|vendor|gems)\/(?:[^/]+\/)*?(?:test[^/]*|examples?|docs?)\//;

function segments(path: string): string[] {
  const parts = path.split("/");
  parts.pop();
  return parts;
}

export const SECRET_ALLOW_RULES: readonly SecretAllowRule[] = [
  {
    id: "test-fixtures",
    reason: "test directories and test sources hold throwaway keys made for the tests",
    matches: (path) => TEST_FILE.test(path) || segments(path).some((s) => TEST_DIRS.has(s)),
  },
  {
    id: "documentation",
    reason: "documentation shows credentials as examples",
    matches: (path) => DOC_TREES.test(path) || DOC_EXTENSIONS.test(path) || PACKAGE_METADATA.test(path),
  },
  {
    id: "examples",
    reason: "example directories ship sample configuration with sample credentials",
    matches: (path) => segments(path).some((s) => s === "examples" || s === "example"),
  },
  {
    id: "third-party-tests",
    reason: "installed packages (npm, Python, Ruby, Go vendor trees) ship their own test and sample keys",
    matches: (path) => PACKAGE_TESTS.test(path),
  },
  {
    id: "toolchain-sources",
    reason: "the Go distribution's sources include the standard library's test keys",
    matches: (path) => TOOLCHAIN_SOURCES.test(path),
  },
];

/** The first allow rule covering `path`, if any. */
export function secretAllowRuleFor(path: string): SecretAllowRule | undefined {
  return SECRET_ALLOW_RULES.find((rule) => rule.matches(path));
}

export function isAllowedSecretPath(path: string): boolean {
  return secretAllowRuleFor(path) !== undefined;
}
