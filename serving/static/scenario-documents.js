// The GraphQL documents of the scenario admin and the experiments view. Values travel as variables only.

import { USER_FIELDS } from "./documents.js";

const RULE_FIELDS = "action productIds weight position";
const SCENARIO_FIELDS = `name description sources updatedAt rules { ${RULE_FIELDS} }
  variants { name share k rerank { enabled } }`;

export const SCENARIOS = `query Scenarios { scenarios { name description } }`;

export const UPSERT_SCENARIO = `mutation UpsertScenario($scenario: ScenarioInput!) {
  upsertScenario(scenario: $scenario) {
    __typename
    ... on Scenario { ${SCENARIO_FIELDS} }
    ... on NotAuthorized { message }
  }
}`;

const COMPARED_FIELDS = `id scenario variant strategy
    items { product { id name category } score explanation { reason ruleAdjustment } }`;

// The same request twice, without the scenario and with it: the ranking before and after.
export const COMPARE = `query Compare($query: String, $userId: ID, $scenario: String) {
  before: recommendations(query: $query, userId: $userId) { ${COMPARED_FIELDS} }
  after: recommendations(query: $query, userId: $userId, scenario: $scenario) { ${COMPARED_FIELDS} }
}`;

export const SCENARIO_STATS = `query ScenarioStats($name: String!) {
  scenarioStats(name: $name) {
    scenario
    variants { variant requests impressions clicks addToCarts purchases revenue ctr conversionRate }
    comparison { variant metric lift lower95 upper95 pValue significant }
  }
}`;

// A click or a purchase of a product on a served page: `recommendationId` attributes it to the page's variant.
export const RECORD_ON_PAGE = `mutation RecordOnPage($userId: ID!, $productId: ID!, $kind: EventKind!,
  $recommendationId: ID) {
  recordEvent(userId: $userId, productId: $productId, kind: $kind, recommendationId: $recommendationId) {
    __typename
    ... on EventRecorded { kind attributed user { ${USER_FIELDS} } }
    ... on ProductNotFound { message productId }
  }
}`;
