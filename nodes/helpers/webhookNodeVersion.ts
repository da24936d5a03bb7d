/**
 * The versions of our nodes that receive webhook calls (the trigger, and the Follow-up Wait through
 * its resume URL). Version 1.1 describes exactly what 1 does; it exists for n8n's sake: for a node
 * at typeVersion 1, n8n (2.41, `parseRequestBody` in its webhook helpers) evaluates
 * `$parameter["options"]["binaryData"]` through its expression engine on every webhook call,
 * which costs an expression isolate per delivery (about 8 ms of CPU with lazy acquire, more
 * without). From 1.1 on it parses the JSON body without asking (its check is `typeVersion === 1`, so
 * every later version does too: the Follow-up Wait's 1.2, which adds follow-up sequences). New
 * nodes get the latest; nodes saved at 1 keep working as they did.
 */
export const WEBHOOK_NODE_VERSIONS = [1, 1.1];
export const WEBHOOK_NODE_DEFAULT_VERSION = 1.1;
