// The API reference page (/docs/api) rendered on the server from the OpenAPI document:
// plain HTML (native <details> to fold schemas), so it needs no script and passes the
// nonce CSP as it is. The same document is served as /api/v1/openapi.json.
import type { ReactNode } from "react";

interface Operation {
  tags?: string[];
  summary?: string;
  description?: string;
  security?: unknown[];
  parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: unknown }[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
}

export interface ApiDocument {
  info: { title: string; version: string; description?: string };
  tags?: { name: string }[];
  paths?: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, unknown> };
}

const verbs = ["get", "post", "put", "patch", "delete"] as const;
const verbColour: Record<string, string> = {
  get: "bg-sky-100 text-sky-900",
  post: "bg-green-100 text-green-900",
  put: "bg-amber-100 text-amber-900",
  patch: "bg-amber-100 text-amber-900",
  delete: "bg-red-100 text-red-900",
};

const anchor = (value: string) => value.toLowerCase().replace(/[^a-z0-9]+/g, "-");

/** A schema that is only a reference to a named component is shown as that component (named in the label). */
function resolved(schema: unknown, components: Record<string, unknown> | undefined): { schema: unknown; name?: string } {
  const ref = (schema as { $ref?: unknown } | null)?.$ref;
  const name = typeof ref === "string" && ref.startsWith("#/components/schemas/") ? ref.slice("#/components/schemas/".length) : undefined;
  return name && components?.[name] !== undefined ? { schema: components[name], name } : { schema };
}

function Schema({ schema, label, components }: { schema: unknown; label: string; components?: Record<string, unknown> }) {
  const shown = resolved(schema, components);
  return (
    <details className="mt-1">
      <summary className="cursor-pointer text-sm text-indigo-700">
        {label}
        {shown.name ? (
          <>
            {" "}
            <a href={`#schema-${anchor(shown.name)}`}>{shown.name}</a>
          </>
        ) : null}
      </summary>
      <pre className="mt-1 overflow-x-auto rounded bg-slate-50 p-3 text-xs text-slate-800">{JSON.stringify(shown.schema, null, 2)}</pre>
    </details>
  );
}

function Paragraphs({ text }: { text?: string }): ReactNode {
  if (!text) return null;
  return text.split("\n\n").map((p, i) => (
    <p key={i} className="mt-1 text-sm text-slate-700">
      {p}
    </p>
  ));
}

export function ApiReference({ doc }: { doc: ApiDocument }) {
  const operations = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
    verbs.filter((v) => item[v]).map((verb) => ({ path, verb, op: item[verb] as Operation })),
  );
  const tags = (doc.tags ?? []).map((t) => t.name);
  return (
    <div data-testid="api-reference">
      <h1 className="text-2xl font-bold text-slate-900" data-testid="api-title">
        {doc.info.title} <span className="text-base font-normal text-slate-500">v{doc.info.version}</span>
      </h1>
      <Paragraphs text={doc.info.description} />
      <p className="mt-2 text-sm">
        Machine-readable:{" "}
        <a className="text-indigo-700 underline" href="/api/v1/openapi.json" data-testid="openapi-link">
          /api/v1/openapi.json
        </a>{" "}
        (OpenAPI 3.1).
      </p>
      <nav className="mt-4 flex flex-wrap gap-2 text-sm" aria-label="Sections">
        {tags.map((t) => (
          <a key={t} href={`#${anchor(t)}`} className="rounded border border-slate-200 px-2 py-1 text-slate-700 hover:bg-slate-50">
            {t}
          </a>
        ))}
      </nav>
      {tags.map((tag) => (
        <section key={tag} id={anchor(tag)} className="mt-8">
          <h2 className="border-b border-slate-200 pb-1 text-xl font-semibold text-slate-900">{tag}</h2>
          {operations
            .filter((o) => (o.op.tags ?? []).includes(tag))
            .map(({ path, verb, op }) => (
              <article
                key={`${verb} ${path}`}
                id={anchor(`${verb} ${path}`)}
                className="mt-4 rounded-lg border border-slate-200 bg-white p-4"
                data-testid="api-operation"
              >
                <h3 className="flex flex-wrap items-center gap-2 font-mono text-sm">
                  <span className={`rounded px-2 py-0.5 font-semibold uppercase ${verbColour[verb]}`}>{verb}</span>
                  <span className="break-all text-slate-900">{path}</span>
                </h3>
                <p className="mt-2 font-medium text-slate-900">{op.summary}</p>
                <Paragraphs text={op.description} />
                {op.security && op.security.length === 0 ? <p className="mt-1 text-xs text-slate-500">No authentication.</p> : null}
                {op.parameters?.length ? (
                  <table className="mt-3 w-full text-left text-sm">
                    <thead>
                      <tr className="text-slate-500">
                        <th className="pr-3 font-medium">Parameter</th>
                        <th className="pr-3 font-medium">In</th>
                        <th className="font-medium">Description</th>
                      </tr>
                    </thead>
                    <tbody>
                      {op.parameters.map((p) => (
                        <tr key={`${p.in}:${p.name}`} className="border-t border-slate-100 align-top">
                          <td className="pr-3 font-mono">
                            {p.name}
                            {p.required ? <span className="text-red-600">*</span> : null}
                          </td>
                          <td className="pr-3 text-slate-600">{p.in}</td>
                          <td className="text-slate-700">{p.description ?? ""}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                ) : null}
                {Object.entries(op.requestBody?.content ?? {}).map(([type, media]) => (
                  <Schema
                    key={type}
                    schema={media.schema}
                    components={doc.components?.schemas}
                    label={`Request body (${type})${op.requestBody?.required ? "" : ", optional"}`}
                  />
                ))}
                <ul className="mt-3 space-y-1 text-sm">
                  {Object.entries(op.responses ?? {}).map(([status, res]) => (
                    <li key={status}>
                      <span className="font-mono font-semibold">{status}</span> <span className="text-slate-700">{res.description}</span>
                      {Object.entries(res.content ?? {})
                        .slice(0, 1)
                        .map(([type, media]) => (
                          <Schema key={type} schema={media.schema} components={doc.components?.schemas} label={`${type} schema`} />
                        ))}
                    </li>
                  ))}
                </ul>
              </article>
            ))}
        </section>
      ))}
      <section id="schemas" className="mt-10">
        <h2 className="border-b border-slate-200 pb-1 text-xl font-semibold text-slate-900">Schemas</h2>
        {Object.entries(doc.components?.schemas ?? {}).map(([name, schema]) => (
          <div key={name} id={`schema-${anchor(name)}`} className="mt-3">
            <Schema schema={schema} label={name} />
          </div>
        ))}
      </section>
    </div>
  );
}
