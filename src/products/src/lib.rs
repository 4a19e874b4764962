//! Products: a module of the resource core. Prices are integers in the
//! currency's minor unit (cents), never floats.

use mewayz_api::http::{Request, Response};
use mewayz_resources::{
    Field, Kind, ModuleSpec, WriteError,
    spec::{Derived, HookResult, OnWrite, WriteContext, active_or_inactive, value},
};
use mewayz_store::Db;
use serde_json::{Value, json};

const MAX_PRICE: i64 = 1_000_000_000_000;

static FIELDS: [Field; 9] = [
    Field::required("name", Kind::Text { max: 200 }),
    Field::optional("description", Kind::Text { max: 5000 }),
    Field::required("price", Kind::Int { min: 0, max: MAX_PRICE }),
    Field::optional("sale_price", Kind::Int { min: 0, max: MAX_PRICE }),
    Field::required("currency", Kind::Currency),
    Field::optional("category", Kind::Text { max: 100 }),
    Field::with_default("stock_quantity", Kind::Int { min: 0, max: 1_000_000_000 }, || json!(0)),
    Field::with_default("is_digital", Kind::Bool, || json!(false)),
    Field::with_default("is_active", Kind::Bool, || json!(true)),
];

/// A sale price above the price is a mistake, not a sale.
fn check_prices<'a>(_db: &'a Db, write: &'a WriteContext<'a>) -> HookResult<'a> {
    Box::pin(std::future::ready(prices_in_order(write)))
}

fn prices_in_order(write: &WriteContext<'_>) -> Result<Derived, WriteError> {
    let sale = write.data.get("sale_price").and_then(Value::as_i64);
    let price = value(write.data, "price").as_i64();
    if let (Some(sale), Some(price)) = (sale, price)
        && sale > price
    {
        return Err(WriteError::invalid("sale_price", "must not be above price"));
    }
    Ok(Derived::default())
}

pub static PRODUCTS: ModuleSpec = ModuleSpec {
    name: "products",
    singular: "product",
    fields: &FIELDS,
    status_of: active_or_inactive,
    search: &["name", "category"],
    unique: None,
    on_write: Some(OnWrite { check: check_prices, rules: "sale_price may not be above price (422)" }),
    present: None,
};

mewayz_api::export_service!(handle);

/// Serves one request. Spin calls it through the WASI P3 entry
/// (`export_service!`); natively it is a plain function: the OpenAPI
/// document (mewayz-openapi) links this crate for its types.
pub async fn handle(req: Request) -> Response {
    mewayz_resources::serve(req, &PRODUCTS).await
}
