// Quotes a PostgreSQL identifier that was built from validated parts. Anything that
// does not look like one of our identifiers is refused rather than escaped: the only
// identifiers we interpolate are `public` and `tenant_<slug>`.
const identifierPattern = /^[a-z_][a-z0-9_]{0,62}$/;

export function quoteIdent(name: string): string {
  if (!identifierPattern.test(name)) throw new Error(`Refusing unsafe SQL identifier: ${JSON.stringify(name)}`);
  return `"${name}"`;
}
