// The page's only way to the server: POST /graphql with {query, variables}, the admin token when one is typed in.

const ENDPOINT = "/graphql";

/** The GraphQL errors of a failed request (or a stand-in for a network or non-JSON failure). */
class GraphQLFailure extends Error {
  constructor(errors) {
    super(errors.map((e) => e.message).join("; "));
    this.errors = errors;
  }
}

/** The admin token typed into the Index panel, sent as a Bearer token when present (admin mutations need it). */
function authHeaders() {
  const token = document.getElementById("admin-token")?.value.trim();
  return token ? { authorization: `Bearer ${token}` } : {};
}

const answerListeners = [];

/** Run `listener(errors)` after every request: the errors it failed with, none when it succeeded. */
export function onAnswer(listener) {
  answerListeners.push(listener);
}

/** The data of a GraphQL request; throws GraphQLFailure when there is none. */
export async function gql(query, variables = {}) {
  try {
    const data = await request(query, variables);
    for (const listener of answerListeners) listener([]);
    return data;
  } catch (failure) {
    for (const listener of answerListeners) listener(errorsOf(failure));
    throw failure;
  }
}

async function request(query, variables) {
  let response;
  try {
    response = await fetch(ENDPOINT, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", ...authHeaders() },
      body: JSON.stringify({ query, variables }),
    });
  } catch (exc) {
    throw new GraphQLFailure([{ message: "The server cannot be reached.", extensions: { code: "NETWORK" } }]);
  }
  let body;
  try {
    body = await response.json();
  } catch (exc) {
    throw new GraphQLFailure([{ message: `Unexpected HTTP ${response.status} from ${ENDPOINT}.`, extensions: {} }]);
  }
  if (Array.isArray(body.errors) && body.errors.length) throw new GraphQLFailure(body.errors);
  if (!body.data) throw new GraphQLFailure([{ message: "Empty response.", extensions: {} }]);
  return body.data;
}

/** The argument an error is about: extensions.argument, else the variable/field a coercion error names. */
export function argumentOf(error) {
  const ext = error.extensions || {};
  if (typeof ext.argument === "string") return ext.argument;
  const message = String(error.message || "");
  const at = message.match(/ at '([A-Za-z0-9_.]+)'/);
  if (at) return at[1];
  const variable = message.match(/Variable '\$([A-Za-z0-9_]+)'/);
  return variable ? variable[1] : null;
}

/** The errors a caught value stands for: a GraphQLFailure's, else the value as one message. */
export function errorsOf(failure) {
  return failure instanceof GraphQLFailure ? failure.errors : [{ message: String(failure), extensions: {} }];
}
