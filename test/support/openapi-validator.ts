/**
 * Checks real requests and answers against a served OpenAPI 3.0 document: the operation by method and path
 * template, its security, path, query and header parameters, the request body, and the answer's status, declared
 * headers and body against the schema of that status and content type. Every mismatch is collected (not thrown),
 * so one run reports them all; `covered` says which operations the traffic reached.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';

type Schema = Record<string, unknown>;
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema: Schema;
}
interface Operation {
  operationId: string;
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> };
  responses: Record<string, { headers?: Record<string, { schema: Schema }>; content?: Record<string, { schema: Schema }> }>;
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, { type: string; in?: string; name?: string; scheme?: string }> };
}

export interface Exchange {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** The JSON body sent, if any. */
  body?: unknown;
  response: LightMyRequestResponse;
}

const DOCUMENT_ID = 'openapi';

export class OpenApiValidator {
  readonly mismatches: string[] = [];
  readonly covered = new Set<string>();
  /** The statuses seen per operation id. */
  readonly statuses = new Map<string, Set<number>>();
  private readonly bodies = new Ajv({ strict: false, allErrors: true });
  private readonly parameters = new Ajv({ strict: false, allErrors: true, coerceTypes: true });
  private readonly compiled = new Map<Schema, ValidateFunction>();
  private readonly templates: { template: string; pattern: RegExp; literalLength: number }[];

  constructor(private readonly doc: OpenApiDocument) {
    for (const ajv of [this.bodies, this.parameters]) {
      addFormats.default(ajv);
      ajv.addSchema({ components: doc.components }, DOCUMENT_ID);
    }
    // The most literal template first: /tokens/{tokenId}/reset before /tokens/{tokenId}.
    this.templates = Object.keys(doc.paths)
      .map((template) => ({
        template,
        pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '([^/]+)')}$`),
        literalLength: template.replace(/\{[^}]+\}/g, '').length,
      }))
      .sort((a, b) => b.literalLength - a.literalLength);
  }

  /** Every operation of the document as "METHOD /template". */
  operations(): string[] {
    return Object.entries(this.doc.paths).flatMap(([template, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${template}`));
  }

  check({ method, url, headers, body, response }: Exchange): void {
    const [path, search = ''] = url.split('?');
    const found = this.templates.find((t) => t.pattern.test(path));
    const operation = found && this.doc.paths[found.template][method.toLowerCase()];
    const where = `${method} ${url} → ${response.statusCode}`;
    if (!found || !operation) {
      this.mismatches.push(`${where}: no operation in the document`);
      return;
    }
    this.covered.add(`${method.toUpperCase()} ${found.template}`);
    this.statuses.set(operation.operationId, (this.statuses.get(operation.operationId) ?? new Set()).add(response.statusCode));
    const problem = (text: string) => this.mismatches.push(`${where} (${operation.operationId}): ${text}`);
    const accepted = response.statusCode < 400;
    const lowerHeaders = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));

    // Security: an accepted request met one of the declared alternatives.
    if (accepted && operation.security && operation.security.length > 0 && !operation.security.some((alternative) => Object.keys(alternative).every((name) => this.presents(name, lowerHeaders)))) {
      problem(`accepted without meeting its security ${JSON.stringify(operation.security)}`);
    }

    // Parameters.
    const names = found.template.match(/\{([^}]+)\}/g)?.map((n) => n.slice(1, -1)) ?? [];
    const values = found.pattern.exec(path)!.slice(1);
    const sent: Record<Parameter['in'], Record<string, string>> = {
      path: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(values[i])])),
      query: Object.fromEntries(new URLSearchParams(search)),
      header: lowerHeaders,
      cookie: {},
    };
    const declared = operation.parameters ?? [];
    for (const name of names) if (!declared.some((p) => p.in === 'path' && p.name === name)) problem(`path parameter ${name} is not declared`);
    for (const name of Object.keys(sent.query)) if (!declared.some((p) => p.in === 'query' && p.name === name)) problem(`query parameter ${name} is not declared`);
    for (const parameter of declared) {
      const value = sent[parameter.in][parameter.name.toLowerCase()] ?? sent[parameter.in][parameter.name];
      if (value === undefined) {
        if (parameter.required && accepted) problem(`required ${parameter.in} parameter ${parameter.name} missing`);
        continue;
      }
      const holder = { value };
      const validate = this.validator(this.parameters, { type: 'object', properties: { value: parameter.schema } });
      if (!validate(holder) && accepted) problem(`${parameter.in} parameter ${parameter.name}=${value}: ${this.bodies.errorsText(validate.errors)}`);
    }

    // The request body.
    if (body !== undefined) {
      const media = operation.requestBody?.content['application/json'];
      if (!media) problem('sends a JSON body the document does not declare');
      else {
        const validate = this.validator(this.bodies, media.schema);
        if (!validate(body) && accepted) problem(`request body accepted that the document refuses: ${this.bodies.errorsText(validate.errors)}`);
        if (validate(body) && response.statusCode === 400) problem(`request body the document accepts was refused: ${response.body}`);
      }
    } else if (operation.requestBody?.required && accepted) problem('accepted without the required body');

    // The answer.
    const declaredResponse = operation.responses[String(response.statusCode)];
    if (!declaredResponse) {
      problem(`status ${response.statusCode} is not declared (declared: ${Object.keys(operation.responses).join(', ')})`);
      return;
    }
    for (const name of Object.keys(declaredResponse.headers ?? {})) if (response.headers[name.toLowerCase()] === undefined) problem(`answer header ${name} missing`);
    if (method === 'HEAD') return;
    const type = String(response.headers['content-type'] ?? '').split(';')[0];
    if (!declaredResponse.content) {
      if (response.body !== '') problem(`an answer body where none is declared: ${response.body.slice(0, 200)}`);
      return;
    }
    const media = declaredResponse.content[type];
    if (!media) {
      problem(`content type "${type}" is not declared (declared: ${Object.keys(declaredResponse.content).join(', ')})`);
      return;
    }
    const validate = this.validator(this.bodies, media.schema);
    if (!validate(response.json())) problem(`answer body does not match: ${this.bodies.errorsText(validate.errors)}: ${response.body.slice(0, 300)}`);
  }

  private presents(scheme: string, headers: Record<string, string>): boolean {
    const declared = this.doc.components.securitySchemes[scheme];
    if (!declared) return false;
    if (declared.type === 'http' && declared.scheme === 'basic') return /^basic /i.test(headers.authorization ?? '');
    if (declared.in === 'header') return headers[declared.name!.toLowerCase()] !== undefined;
    if (declared.in === 'cookie') return (headers.cookie ?? '').split(/;\s*/).some((c) => c.startsWith(`${declared.name}=`));
    return false;
  }

  private validator(ajv: Ajv, schema: Schema): ValidateFunction {
    let validate = this.compiled.get(schema);
    if (!validate) {
      // Component references point into the document registered under DOCUMENT_ID.
      const rebased = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', `"${DOCUMENT_ID}#/components/`));
      validate = ajv.compile(rebased);
      this.compiled.set(schema, validate);
    }
    return validate;
  }
}

/** `app.inject` options for an exchange, and the exchange once answered. */
export function injectOptionsOf(method: string, url: string, headers: Record<string, string>, body?: unknown): InjectOptions {
  return { method: method as InjectOptions['method'], url, headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { payload: JSON.stringify(body) } : {}) };
}
