// Apollo Client 4 with its persisted-queries link, as a frontend would use it.
// Usage: node apq.mjs <graphql-url>; prints one JSON line per step.
import { createHash } from "node:crypto";
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";

const url = process.argv[2];
const sent = [];
const recordingFetch = async (input, init) => {
  const target = new URL(typeof input === "string" ? input : input.url);
  const body = init?.body ? JSON.parse(init.body) : null;
  const hasQuery = Boolean(target.searchParams.get("query") || body?.query);
  const response = await fetch(input, init);
  sent.push({ method: init?.method ?? "GET", hasQuery, status: response.status });
  return response;
};

const link = new PersistedQueryLink({
  sha256: (text) => createHash("sha256").update(text).digest("hex"),
  useGETForHashedQueries: true,
}).concat(new HttpLink({ uri: url, fetch: recordingFetch }));
const client = new ApolloClient({ link, cache: new InMemoryCache() });

const QUERY = gql`query Categories { categories }`;
for (const step of ["first", "second"]) {
  const { data, error } = await client.query({ query: QUERY, fetchPolicy: "network-only" });
  console.log(JSON.stringify({ step, categories: data?.categories ?? null, error: error ? String(error) : null }));
}
console.log(JSON.stringify({ sent }));
