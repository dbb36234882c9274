/** SimBoard treats any directory with this name as an execution (CIME LID `<jobid>.<yymmdd-hhmmss>`). */
export const EXECUTION_DIR_PATTERN = /^\d+\.\d+-\d+$/;

/** The same rule as a glob, so the walk never descends into an execution directory. */
export const EXECUTION_DIR_GLOB = "+([0-9]).+([0-9])-+([0-9])";
