/** Writes simboard.config.schema.json from the zod schema; a test keeps the two in sync. */
import path from "node:path";
import { configJsonSchema } from "../src/config/json-schema.ts";

const file = path.resolve(import.meta.dir, "../simboard.config.schema.json");
await Bun.write(file, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
console.log(`wrote ${path.relative(process.cwd(), file)}`);
