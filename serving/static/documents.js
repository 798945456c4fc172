// The GraphQL documents the page sends. Values always travel as variables, never spliced into a document.

export const CATALOGUE_LIMIT = 1000;
const RECENT_LIMIT = 20;

const PRODUCT_FIELDS = "id name description category brand price rating inStock";
export const USER_FIELDS = `userId clicks events lastClickedId lastClickedCategory affinities { category weight }
  hasSessionVector sessionVectorDim hasDismissedVector
  recent(limit: ${RECENT_LIMIT}) { productId kind at product { id name category } }`;
const INDEX_FIELDS = "indexName numDocs indexingFailures vectorIndexSizeMb model dim";

export const BOOT = `query Boot($limit: Int!) {
  categories
  brands
  products(limit: $limit) { ${PRODUCT_FIELDS} }
  indexInfo { ${INDEX_FIELDS} }
}`;

export const USER_FEATURES = `query UserFeatures($userId: ID!) { userFeatures(userId: $userId) { ${USER_FIELDS} } }`;

const PAGE_FIELDS = `items { product { ${PRODUCT_FIELDS} } vectorDistance score affinityBonus
      explanation { reason vectorDistance textRank sessionWeight affinityBonus diversityPenalty ruleAdjustment } }
    filterClause usedSession usedRerank strategy pageInfo { endCursor hasNextPage } id scenario variant
    timings { embedMs searchMs rerankMs totalMs }`;

export const RECOMMEND = `query Recommend($query: String, $userId: ID, $filters: ProductFilter, $blend: BlendInput,
  $rerank: RerankInput, $k: Int, $exclude: ExcludeInput, $mode: SearchMode, $diversity: DiversityInput,
  $after: String, $scenario: String) {
  recommendations(query: $query, userId: $userId, filters: $filters, blend: $blend, rerank: $rerank, k: $k,
    exclude: $exclude, mode: $mode, diversity: $diversity, after: $after, scenario: $scenario) {
    ${PAGE_FIELDS}
  }
}`;

export const SIMILAR = `query Similar($productId: ID!, $userId: ID, $filters: ProductFilter, $k: Int,
  $exclude: ExcludeInput, $diversity: DiversityInput, $after: String, $scenario: String) {
  similarProducts(productId: $productId, userId: $userId, filters: $filters, k: $k, exclude: $exclude,
    diversity: $diversity, after: $after, scenario: $scenario) {
    __typename
    ... on Recommendations { ${PAGE_FIELDS} }
    ... on ProductNotFound { message productId }
  }
}`;

const RELATED_FIELDS = `__typename
    ... on Recommendations { id variant items { product { ${PRODUCT_FIELDS} } explanation { reason } } }
    ... on ProductNotFound { message productId }`;

export const RELATED = `query Related($productId: ID!, $userId: ID, $k: Int, $scenario: String) {
  bought: relatedProducts(productId: $productId, relation: BOUGHT_TOGETHER, userId: $userId, k: $k,
    scenario: $scenario) {
    ${RELATED_FIELDS}
  }
  viewed: relatedProducts(productId: $productId, relation: ALSO_VIEWED, userId: $userId, k: $k,
    scenario: $scenario) {
    ${RELATED_FIELDS}
  }
}`;

export const RECORD_CLICK = `mutation RecordClick($userId: ID!, $productId: ID!) {
  recordClick(userId: $userId, productId: $productId) {
    __typename
    ... on ClickRecorded { category affinity clicks lastClickedId user { ${USER_FIELDS} } }
    ... on ProductNotFound { message productId }
  }
}`;

export const RECORD_EVENT = `mutation RecordEvent($userId: ID!, $productId: ID!, $kind: EventKind!) {
  recordEvent(userId: $userId, productId: $productId, kind: $kind) {
    __typename
    ... on EventRecorded { kind user { ${USER_FIELDS} } }
    ... on ProductNotFound { message productId }
  }
}`;

export const RESET_USER = `mutation ResetUser($userId: ID!) { resetUser(userId: $userId) { userId } }`;

export const REFRESH_EMBEDDING = `mutation RefreshEmbedding($productId: ID!, $text: String!) {
  refreshEmbedding(productId: $productId, text: $text) {
    __typename
    ... on EmbeddingRefreshed { productId embedMs }
    ... on ProductNotFound { message productId }
    ... on NotAuthorized { message }
  }
}`;

export const RESET_INDEX = `mutation ResetIndex {
  resetIndex {
    __typename
    ... on IndexReset { indexName seeded }
    ... on NotAuthorized { message }
  }
}`;
