"""schema.graphql is the published contract: it must match the code, and everything is described."""

from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLObjectType, GraphQLUnionType

from gql.schema import schema
from tests.conftest import ROOT


def test_committed_sdl_matches_the_code() -> None:
    committed = (ROOT / "schema.graphql").read_text()
    assert committed == schema.as_str() + "\n", "schema.graphql is stale: run `make schema` and commit it"


def test_every_type_field_and_argument_is_described() -> None:
    missing = []
    for name, gtype in schema._schema.type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Float", "Boolean", "ID"}:
            continue
        if not gtype.description:
            missing.append(name)
        if isinstance(gtype, GraphQLObjectType | GraphQLInputObjectType):
            for field_name, field in gtype.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                for arg_name, arg in getattr(field, "args", {}).items():
                    if not arg.description:
                        missing.append(f"{name}.{field_name}({arg_name})")
        assert not isinstance(gtype, GraphQLEnumType | GraphQLUnionType) or gtype.description
    assert missing == []


def test_contract_names_and_defaults() -> None:
    sdl = schema.as_str()
    for line in [
        'userId: ID = "demo"',
        "filters: ProductFilter",
        "blend: BlendInput",
        "rerank: RerankInput",
        "k: Int = 10",
        "): Recommendations!",
        "enabled: Boolean! = true",
        "weight: Float! = 0.3",
        "weight: Float! = 0.15",
        "inStockOnly: Boolean = false",
        "union RecordClickResult = ClickRecorded | ProductNotFound",
        "limit: Int = 100",
        "resetIndex: ResetIndexResult!",
        "union ResetIndexResult = IndexReset | NotAuthorized",
        "union RefreshEmbeddingResult = EmbeddingRefreshed | ProductNotFound | NotAuthorized",
        "enum EventKind {",
        "kind: EventKind!\n",
        "recommendationId: ID\n  ): RecordEventResult!",
        # experiments
        "id: ID!\n",
        "scenario: String\n",
        "variant: String\n",
        "attributed: Boolean!",
        "scenarioStats(\n",
        "name: String!\n",
        "from: DateTime\n",
        "to: DateTime\n  ): ScenarioStats!",
        "type ScenarioStats {\n",
        "variants: [VariantStats!]!",
        "comparison: [VariantComparison!]!",
        "enum Metric {\n  CTR\n  CONVERSION\n}",
        "addToCarts: Int!",
        "conversionRate: Float!",
        "lower95: Float!",
        "upper95: Float!",
        "pValue: Float!",
        "significant: Boolean!",
        "union RecordEventResult = EventRecorded | ProductNotFound",
        "recent(\n",
        "limit: Int = 20\n  ): [UserEvent!]!",
        "at: DateTime!",
        "product: Product\n",
        "events: Int!",
        "exclude: ExcludeInput",
        "seen: Boolean! = false",
        "dismissed: Boolean! = true",
        "purchased: Boolean! = false",
        "productIds: [ID!] = null",
        "products: [ProductInput!]!\n  ): UpsertProductsResult!",
        "union UpsertProductsResult = ProductsUpserted | NotAuthorized",
        "union UpdateProductsResult = ProductsUpdated | NotAuthorized",
        "union DeleteProductsResult = ProductsDeleted | NotAuthorized",
        "updateProducts(\n",
        "deleteProducts(\n",
        # similar products, strategies, diversity, modes, pages, explanations
        "query: String\n",
        "mode: SearchMode = SEMANTIC",
        "diversity: DiversityInput",
        "maxDistance: Float",
        "after: String",
        "productId: ID!\n",
        "): SimilarProductsResult!",
        "union SimilarProductsResult = Recommendations | ProductNotFound",
        "input DiversityInput {",
        "weight: Float! = 0.5",
        "maxPerCategory: Int\n",
        "maxPerBrand: Int\n",
        "enum SearchMode {\n  SEMANTIC\n  HYBRID\n  KEYWORD\n}",
        "enum Strategy {\n  QUERY\n  SESSION\n  SIMILAR_PRODUCT\n  POPULAR\n  TRENDING\n  TOP_RATED\n"
        "  RELATED\n  BEHAVIOUR\n}",
        "enum Reason {\n  MATCHES_QUERY\n  MATCHES_KEYWORDS\n  SIMILAR_TO_SESSION\n  SIMILAR_TO_PRODUCT\n"
        "  POPULAR\n  TRENDING\n  TOP_RATED\n  ALSO_VIEWED\n  BOUGHT_TOGETHER\n  PINNED\n}",
        # trending
        "trendingFacets(\n",
        "field: FacetField!\n",
        "k: Int = 10\n  ): [FacetTrend!]!",
        "enum FacetField {\n  CATEGORY\n  BRAND\n}",
        "type FacetTrend {",
        "value: String!\n",
        "score: Float!\n",
        "events: Int!\n",
        # related products and behaviour
        "enum Relation {\n  ALSO_VIEWED\n  BOUGHT_TOGETHER\n}",
        "union RelatedProductsResult = Recommendations | ProductNotFound",
        "relation: Relation = ALSO_VIEWED",
        "): RelatedProductsResult!",
        "behaviourWeight: Float\n",
        "strategy: Strategy!",
        "pageInfo: PageInfo!",
        "endCursor: String\n",
        "hasNextPage: Boolean!",
        "explanation: Explanation!",
        "reason: Reason!",
        "vectorDistance: Float\n",
        "textRank: Int\n",
        "sessionWeight: Float!",
        "diversityPenalty: Float!",
        "ruleAdjustment: Float!",
    ]:
        assert line in sdl, line
