/**
 * The published schemas the machine-readable outputs are checked against, taken from registry packages:
 * - SARIF 2.1.0: the OASIS schema (`sarif-2.1.0-rtm.5.json`, JSON Schema draft-04) shipped in npm's
 *   `@microsoft/jest-sarif` (Microsoft's SARIF SDK), a dev dependency.
 * - OCSF 1.5.0 Detection Finding (class 2004) with the `cloud` profile: generated as JSON Schema 2020-12 by
 *   PyPI's `ocsf-json-schema` from the schema.ocsf.io export it bundles. It is run with python3 at test time;
 *   `.ci/run` installs it (`python3 -m pip install ocsf-json-schema==1.2.0`).
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { promisify } from "node:util";
import type { AnySchema } from "ajv";

const require = createRequire(import.meta.url);
const run = promisify(execFile);

export const OCSF_JSON_SCHEMA_PACKAGE = "ocsf-json-schema==1.2.0";

export async function sarifSchema(): Promise<AnySchema> {
  const path = require.resolve("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json");
  return JSON.parse(await readFile(path, "utf8")) as AnySchema;
}

const GENERATE_OCSF = `
import json, sys
from ocsf_json_schema import get_ocsf_schema, OcsfJsonSchemaEmbedded
schema = OcsfJsonSchemaEmbedded(get_ocsf_schema(version=sys.argv[1]))
name = schema.lookup_class_name_from_uid(class_uid=int(sys.argv[2]))
json.dump(schema.get_class_schema(class_name=name, profiles=sys.argv[3].split(",")), sys.stdout)
`;

export async function ocsfClassSchema(
  version: string,
  classUid: number,
  profiles: string[],
): Promise<AnySchema> {
  try {
    const { stdout } = await run(
      "python3",
      ["-c", GENERATE_OCSF, version, String(classUid), profiles.join(",")],
      {
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    return JSON.parse(stdout) as AnySchema;
  } catch (error) {
    throw new Error(
      `cannot generate the OCSF ${version} JSON schema: ${String(error)}\n` +
        `Install the generator with: python3 -m pip install '${OCSF_JSON_SCHEMA_PACKAGE}'`,
    );
  }
}
