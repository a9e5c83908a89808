/** `npm run deploy:templates`: writes deploy/cloudformation/*.yaml from the declared permissions. */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { allTemplates } from "./cloudformation.js";
import { renderTemplate } from "./render-template.js";

const dir = join(import.meta.dirname, "../../deploy/cloudformation");
await mkdir(dir, { recursive: true });
for (const [name, template] of Object.entries(allTemplates())) {
  await writeFile(join(dir, name), renderTemplate(template));
  process.stdout.write(`wrote deploy/cloudformation/${name}\n`);
}
