// The runner's entry point, for the main step and the post step alike (action.yml runs both from
// this file): the main step marks the state as it starts, so the post step knows it is the post step,
// as actions/checkout does.
import * as core from '@actions/core'
import { run } from './main.js'
import { IS_POST_STATE } from './post-state.js'

if (core.getState(IS_POST_STATE) === 'true') {
  void import('./post.js').then(({ post }) => post())
} else {
  core.saveState(IS_POST_STATE, 'true')
  void run()
}
