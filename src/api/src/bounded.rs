//! JSON of unknown shape, parsed with limits that hold *while* it is read:
//! a list or an object past its limit, or nesting past its depth, stops the
//! parser there. Checking after a full parse would already have spent the
//! time and memory of 100,000 items.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::ApiError;

/// Items in one list: far above any list the API accepts (50 links, 20 tags).
pub const MAX_ITEMS: usize = 1000;
/// Keys in one object: far above any body's fields.
pub const MAX_KEYS: usize = 100;
/// Levels of lists and objects.
pub const MAX_DEPTH: usize = 16;

/// A JSON body as a `Value`, within [`MAX_ITEMS`], [`MAX_KEYS`] and
/// [`MAX_DEPTH`]: 400 when it is not JSON, 422 `body` when it breaks a limit.
pub fn parse_json_value(body: &[u8]) -> Result<Value, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = Bounded { depth: MAX_DEPTH }.deserialize(&mut de).and_then(|value| de.end().map(|()| value));
    value.map_err(|err| {
        if err.is_data() {
            let message = err.to_string();
            let message = message.rfind(" at line ").map_or(message.as_str(), |i| &message[..i]).to_string();
            ApiError::invalid("body", message)
        } else {
            ApiError::bad_json(format!("the body is not valid JSON: {err}"))
        }
    })
}

struct Bounded {
    depth: usize,
}

impl Bounded {
    fn inner<E: de::Error>(&self) -> Result<Bounded, E> {
        match self.depth.checked_sub(1) {
            Some(depth) => Ok(Bounded { depth }),
            None => Err(E::custom(format!("nests lists and objects more than {MAX_DEPTH} levels deep"))),
        }
    }
}

impl<'de> DeserializeSeed<'de> for Bounded {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Bounded {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(v.into())
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(v.into())
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self.inner()?)? {
            if items.len() == MAX_ITEMS {
                return Err(de::Error::custom(format!("a list may hold at most {MAX_ITEMS} items")));
            }
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.len() == MAX_KEYS {
                return Err(de::Error::custom(format!("an object may hold at most {MAX_KEYS} keys")));
            }
            let value = map.next_value_seed(self.inner()?)?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_within_the_limits_parse_as_serde_json_would() {
        let text = br#"{"a": [1, -2, 3.5, "x", null, true, {"b": []}], "c": {}}"#;
        assert_eq!(parse_json_value(text).unwrap(), serde_json::from_slice::<Value>(text).unwrap());
    }

    #[test]
    fn limits_stop_the_parser_with_a_422_and_bad_json_is_a_400() {
        let long = format!("[{}]", vec!["1"; MAX_ITEMS + 1].join(","));
        let keys: Vec<String> = (0..=MAX_KEYS).map(|i| format!("\"k{i}\":1")).collect();
        let wide = format!("{{{}}}", keys.join(","));
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        for body in [long, wide, deep] {
            let err = parse_json_value(body.as_bytes()).unwrap_err();
            assert_eq!((err.status, err.field.as_deref()), (422, Some("body")), "{}", err.message);
        }
        assert_eq!(parse_json_value(format!("[{}]", vec!["1"; MAX_ITEMS].join(",")).as_bytes()).unwrap()[999], 1);
        assert_eq!(parse_json_value(b"{\"a\": ").unwrap_err().status, 400);
        assert_eq!(parse_json_value(b"{} trailing").unwrap_err().status, 400);
    }
}
