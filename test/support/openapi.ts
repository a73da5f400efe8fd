/**
 * docs/openapi.yaml as a test oracle: load and validate it with a maintained OpenAPI 3.1 validator
 * (@readme/openapi-parser), then check a real HTTP answer against the operation it belongs to with
 * a JSON Schema 2020-12 validator (ajv), the dialect of OpenAPI 3.1 schemas.
 *
 * An answer passes only when its status is documented for the operation, its content type and
 * body match that response (undocumented fields fail: the schemas say `additionalProperties:
 * false`), and it carries every header the response marks required.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dereference, validate, compileErrors, type ValidationResult } from '@readme/openapi-parser';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { ApiAnswer } from './local-api';

/** Where the description lives. */
export const OPENAPI_FILE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'openapi.yaml');

/** The HTTP methods an OpenAPI path item may hold. */
export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

type Json = Record<string, unknown>;

interface Response {
  readonly description?: string;
  readonly headers?: Record<string, { required?: boolean; schema?: Json }>;
  readonly content?: Record<string, { schema?: Json }>;
  /** `api-gateway`: answered on AWS by API Gateway before the service runs; no local test can produce it. */
  readonly 'x-answered-by'?: string;
}

/** One documented answer: an operation, a status, and (for errors) one of its codes. */
export interface DocumentedAnswer {
  readonly operation: string;
  readonly status: number;
  readonly code: string | null;
}

/** The description, dereferenced (no `$ref` left), with a schema validator per response. */
export class ApiSpec {
  private readonly validators = new Map<Json, ValidateFunction>();
  // Strict about unknown keywords and formats (a typo must not silently allow anything), but not
  // about `type` beside `properties`: the error responses narrow `error.code` in an `allOf` branch.
  private readonly ajv = new Ajv2020({ strict: true, strictTypes: false, allErrors: true });

  private constructor(readonly document: Json) {
    addFormats(this.ajv);
  }

  /** Loads docs/openapi.yaml (or `file`); throws when it does not parse or has a broken `$ref`. */
  static async load(file: string = OPENAPI_FILE): Promise<ApiSpec> {
    return new ApiSpec((await dereference(file)) as unknown as Json);
  }

  /** The validator's verdict on `file`, with its messages as one text. */
  static async validateFile(file: string = OPENAPI_FILE): Promise<{ result: ValidationResult; text: string }> {
    const result = await validate(file);
    return { result, text: result.valid ? '' : compileErrors(result) };
  }

  private get paths(): Record<string, Json> {
    return (this.document.paths ?? {}) as Record<string, Json>;
  }

  /** Every operation as `METHOD /path/{param}`. */
  operations(): string[] {
    return Object.entries(this.paths).flatMap(([path, item]) =>
      HTTP_METHODS.filter((method) => item[method] !== undefined).map((method) => `${method.toUpperCase()} ${path}`),
    );
  }

  /** The methods a path documents, upper case. */
  methodsOf(path: string): string[] {
    const item = this.paths[path] ?? {};
    return HTTP_METHODS.filter((method) => item[method] !== undefined).map((method) => method.toUpperCase());
  }

  /** Every answer a local test must produce: each status of each operation, and each error code of it. */
  documentedAnswers(): DocumentedAnswer[] {
    return this.operations().flatMap((operation) =>
      Object.entries(this.responsesOf(operation))
        .filter(([, response]) => response['x-answered-by'] === undefined)
        .flatMap(([status, response]): DocumentedAnswer[] => {
          const codes = [...new Set(Object.values(response.content ?? {}).flatMap((media) => errorCodes(media.schema)))];
          return codes.length === 0 ? [{ operation, status: Number(status), code: null }] : codes.map((code) => ({ operation, status: Number(status), code }));
        }),
    );
  }

  private responsesOf(operation: string): Record<string, Response> {
    const [method, path] = operation.split(' ') as [string, string];
    const op = this.paths[path]?.[method.toLowerCase()] as { responses?: Record<string, Response> } | undefined;
    if (!op) throw new Error(`docs/openapi.yaml has no operation ${operation}`);
    return op.responses ?? {};
  }

  /** What is wrong with `answer` as an answer of `operation`; empty when the description covers it. */
  check(operation: string, answer: ApiAnswer): string[] {
    const response = this.responsesOf(operation)[String(answer.status)];
    if (!response) return [`${operation} answered ${answer.status}, which docs/openapi.yaml does not document (body: ${answer.text.slice(0, 200)})`];
    return this.checkResponse(`${operation} ${answer.status}`, response, answer);
  }

  /** What the request body schema of `operation` says against `body`; empty when it accepts it. */
  checkRequest(operation: string, body: unknown): string[] {
    const [method, path] = operation.split(' ') as [string, string];
    const op = this.paths[path]?.[method.toLowerCase()] as { requestBody?: { content?: Record<string, { schema?: Json }> } } | undefined;
    const schema = op?.requestBody?.content?.['application/json']?.schema;
    if (!schema) return [`${operation} documents no JSON request body`];
    return this.schemaProblems(`${operation} request body`, schema, body);
  }

  /**
   * What is wrong with `answer` as the answer to a method `path` does not document: it must be
   * `components.responses.MethodNotAllowed`, with `Allow` naming exactly the documented methods.
   */
  checkOtherMethod(path: string, answer: ApiAnswer): string[] {
    const response = ((this.document.components as Json | undefined)?.responses as Record<string, Response> | undefined)?.MethodNotAllowed;
    if (!response) return ['docs/openapi.yaml has no components.responses.MethodNotAllowed'];
    if (answer.status !== 405) return [`another method on ${path} answered ${answer.status}, not 405 (body: ${answer.text.slice(0, 200)})`];
    const problems = this.checkResponse(`other method on ${path}`, response, answer);
    const allowed = (answer.headers.allow ?? '').split(',').map((m) => m.trim()).filter(Boolean).sort();
    const documented = this.methodsOf(path).sort();
    if (allowed.join(',') !== documented.join(',')) problems.push(`Allow on ${path} is "${answer.headers.allow}", the description has ${documented.join(', ')}`);
    return problems;
  }

  private checkResponse(where: string, response: Response, answer: ApiAnswer): string[] {
    const problems: string[] = [];
    for (const [name, header] of Object.entries(response.headers ?? {})) {
      const value = answer.headers[name.toLowerCase()];
      if (value === undefined) {
        if (header.required) problems.push(`${where}: header ${name} is required and missing`);
        continue;
      }
      if (header.schema) problems.push(...this.schemaProblems(`${where}: header ${name}`, header.schema, value));
    }
    const content = response.content;
    if (!content) {
      if (answer.text !== '') problems.push(`${where}: the description has no body, the answer has ${answer.text.length} characters`);
      return problems;
    }
    const mediaType = (answer.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const media = content[mediaType];
    if (!media) return [...problems, `${where}: content type "${answer.headers['content-type']}" is not one of ${Object.keys(content).join(', ')}`];
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      return [...problems, `${where}: the body is not JSON: ${answer.text.slice(0, 200)}`];
    }
    if (media.schema) problems.push(...this.schemaProblems(`${where}: body`, media.schema, body));
    return problems;
  }

  /** Every `examples` entry of `components.schemas` that its own schema refuses. */
  exampleProblems(): string[] {
    const schemas = ((this.document.components as Json | undefined)?.schemas ?? {}) as Record<string, Json>;
    return Object.entries(schemas).flatMap(([name, schema]) =>
      (Array.isArray(schema.examples) ? schema.examples : []).flatMap((example, i) => this.schemaProblems(`components.schemas.${name}.examples[${i}]`, schema, example)),
    );
  }

  private schemaProblems(where: string, schema: Json, value: unknown): string[] {
    let validator = this.validators.get(schema);
    if (!validator) {
      validator = this.ajv.compile(schema);
      this.validators.set(schema, validator);
    }
    if (validator(value)) return [];
    return (validator.errors ?? []).map((e) => `${where}${e.instancePath || ''} ${e.message ?? 'is invalid'}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''} (value: ${JSON.stringify(value).slice(0, 300)})`);
  }
}

/**
 * The error codes a response schema allows: the `enum` (or `const`) of `error.code`, looked for
 * through `allOf`, `oneOf` and `anyOf`. Empty for a schema that is not an error.
 */
export function errorCodes(schema: unknown): string[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const s = schema as Json;
  const codes: string[] = [];
  const code = ((s.properties as Json | undefined)?.error as Json | undefined)?.properties as Json | undefined;
  const codeSchema = code?.code as Json | undefined;
  if (Array.isArray(codeSchema?.enum)) codes.push(...(codeSchema.enum as string[]));
  if (typeof codeSchema?.const === 'string') codes.push(codeSchema.const);
  for (const key of ['allOf', 'oneOf', 'anyOf']) if (Array.isArray(s[key])) for (const part of s[key] as unknown[]) codes.push(...errorCodes(part));
  return codes;
}
