// Two error kinds, because they reach people at different times: a syntax error is a configuration
// mistake reported before anything runs, an evaluation error is a problem with one measurement.

/** The condition text cannot be parsed; `column` is 1-based in the source. */
export class ExprSyntaxError extends Error {
  readonly column: number

  constructor(problem: string, column: number, hint?: string) {
    super(`${problem} at column ${column}${hint ? `; ${hint}` : ''}`)
    this.name = 'ExprSyntaxError'
    this.column = column
  }
}

/** The condition could not be answered for this data; upstream records an "Error" measurement. */
export class ExprEvalError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ExprEvalError'
  }
}
