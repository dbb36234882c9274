import { z } from "zod";
import { SiteConfigSchema } from "./site-config.ts";

/** JSON Schema for editors, from the same zod schema the tool validates with. */
export function configJsonSchema(): Record<string, unknown> {
  return { title: "simboard-upload site configuration", ...z.toJSONSchema(SiteConfigSchema, { io: "input" }) };
}
