/** SimBoard treats any directory with this name as an execution (CIME LID `<jobid>.<yymmdd-hhmmss>`). */
export const EXECUTION_DIR_PATTERN = /^\d+\.\d+-\d+$/;
