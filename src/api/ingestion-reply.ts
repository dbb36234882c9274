import { z } from "zod";

const ExecutionRefSchema = z.looseObject({
  id: z.string().optional(),
  case_id: z.string().optional(),
  case_name: z.string().optional(),
  execution_id: z.string(),
});

const ExecutionErrorSchema = z.looseObject({
  execution_dir: z.string().optional(),
  error_type: z.string().optional(),
  error: z.string().optional(),
});

/** The 201 body of an upload; servers before upstream 8092bac name the list `simulations`. */
export const IngestionReplySchema = z
  .looseObject({
    created_count: z.int().nonnegative(),
    duplicate_count: z.int().nonnegative(),
    executions: z.array(ExecutionRefSchema).optional(),
    simulations: z.array(ExecutionRefSchema).optional(),
    errors: z.array(ExecutionErrorSchema).nullish(),
  })
  .transform((reply) => ({
    createdCount: reply.created_count,
    duplicateCount: reply.duplicate_count,
    executionIds: (reply.executions ?? reply.simulations ?? []).map((ref) => ref.execution_id),
    errors: (reply.errors ?? []).map((e) => ({
      executionDir: e.execution_dir ?? "",
      errorType: e.error_type ?? "Error",
      message: e.error ?? "",
    })),
  }));

export type IngestionReply = z.infer<typeof IngestionReplySchema>;
