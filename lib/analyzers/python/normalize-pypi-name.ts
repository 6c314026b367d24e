/**
 * PEP 503 normalised project name ("Django_REST.framework" → "django-rest-framework"): how pip,
 * PyPI and advisory databases compare names. Packages keep the name as written, for display.
 */
export function normalizePypiName(name: string): string {
  return name.replace(/[-_.]+/g, "-").toLowerCase();
}
