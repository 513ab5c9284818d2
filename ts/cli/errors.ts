/** A problem with the user's command, files or data: printed as one line, exit code 1. */
export class CliError extends Error {}
