/**
 * The SDK's types are the wire as Sidekey documents it: the question (VerifyInput) and the answer (VerifyResult)
 * the SDK exports, read by the TypeScript compiler from its public entry, describe the same fields — required
 * or optional, nullable, with the same code, status and token-kind values — as the request body and the 200
 * response of POST /v1/verify in the served OpenAPI document.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { buildApp } from '../src/http/app.js';
import { createTestContext, type TestContext } from '../test/support/databases.js';

/** A type reduced to what both a JSON schema and a TypeScript type can say. */
interface Shape {
  types: string[];
  nullable: boolean;
  values?: (string | number)[];
  items?: Shape;
  properties?: Record<string, Shape & { optional: boolean }>;
}

interface JsonSchema {
  type?: string;
  enum?: (string | number)[];
  nullable?: boolean;
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
}

function shapeOfSchema(schema: JsonSchema): Shape {
  const members = schema.anyOf ?? [schema];
  const types = [...new Set(members.map((m) => (m.type === 'integer' ? 'number' : m.type!)).filter((type) => type !== 'null'))].sort();
  const nullable = schema.nullable === true || members.some((m) => m.type === 'null');
  const shape: Shape = { types, nullable };
  if (schema.enum) shape.values = [...schema.enum].sort();
  if (schema.items) shape.items = shapeOfSchema(schema.items);
  if (schema.properties) {
    shape.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([name, property]) => [name, { ...shapeOfSchema(property), optional: !schema.required?.includes(name) }]),
    );
  }
  return shape;
}

function shapeOfType(checker: ts.TypeChecker, type: ts.Type): Shape {
  const members = type.isUnion() ? type.types : [type];
  const types = new Set<string>();
  const values: (string | number)[] = [];
  let nullable = false;
  let object: ts.Type | undefined;
  for (const member of members) {
    if (member.flags & ts.TypeFlags.Null) nullable = true;
    else if (member.flags & ts.TypeFlags.Undefined) continue;
    else if (member.flags & ts.TypeFlags.BooleanLike) types.add('boolean');
    else if (member.isStringLiteral() || member.isNumberLiteral()) {
      types.add(member.isStringLiteral() ? 'string' : 'number');
      values.push(member.value);
    } else if (member.flags & ts.TypeFlags.String) types.add('string');
    else if (member.flags & ts.TypeFlags.Number) types.add('number');
    else if (checker.isArrayType(member)) {
      types.add('array');
      object = member;
    } else {
      types.add('object');
      object = member;
    }
  }
  const shape: Shape = { types: [...types].sort(), nullable };
  if (values.length > 0) shape.values = values.sort();
  if (object && checker.isArrayType(object)) shape.items = shapeOfType(checker, checker.getTypeArguments(object as ts.TypeReference)[0]);
  else if (object) {
    shape.properties = Object.fromEntries(
      checker.getPropertiesOfType(object).map((property) => [
        property.name,
        { ...shapeOfType(checker, checker.getTypeOfSymbol(property)), optional: (property.flags & ts.SymbolFlags.Optional) !== 0 },
      ]),
    );
  }
  return shape;
}

/** The SDK's exported types, as a consumer's compiler sees them. */
function sdkTypes(...names: string[]): Record<string, Shape> {
  const entry = fileURLToPath(new URL('./index.ts', import.meta.url));
  const program = ts.createProgram([entry], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true, skipLibCheck: true, types: ['node'], noEmit: true });
  const checker = program.getTypeChecker();
  const exports = checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(entry)!)!);
  return Object.fromEntries(
    names.map((name) => {
      const symbol = exports.find((e) => e.name === name);
      if (!symbol) throw new Error(`the SDK does not export ${name}`);
      return [name, shapeOfType(checker, checker.getDeclaredTypeOfSymbol(checker.getAliasedSymbol(symbol)))];
    }),
  );
}

let t: TestContext;
let verify: { requestBody: { content: Record<string, { schema: JsonSchema }> }; responses: Record<string, { content: Record<string, { schema: JsonSchema }> }> };
let sdk: Record<string, Shape>;

beforeAll(async () => {
  t = await createTestContext('sqlite');
  const app = await buildApp(t.context, { logger: false });
  const response = await app.inject({ method: 'GET', url: '/api/openapi.json' });
  expect(response.statusCode).toBe(200);
  verify = response.json().paths['/v1/verify'].post;
  await app.close();
  sdk = sdkTypes('VerifyInput', 'VerifyResult', 'VerificationCode');
});
afterAll(() => t.close());

it("VerifyResult is POST /v1/verify's documented 200 answer: every field, the code enum, the statuses, the token kinds", () => {
  const answer = shapeOfSchema(verify.responses['200'].content['application/json'].schema);
  expect(sdk.VerifyResult).toEqual(answer);
  expect(sdk.VerificationCode.values).toEqual(answer.properties!.code.values);
  expect(answer.properties!.code.values).toContain('VERIFIER_UNAVAILABLE');
});

it("VerifyInput is POST /v1/verify's documented request body", () => {
  expect(sdk.VerifyInput).toEqual(shapeOfSchema(verify.requestBody.content['application/json'].schema));
});
