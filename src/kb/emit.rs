//! Write any `Serialize` value as a Rust expression: how `build.rs` turns
//! the parsed knowledge base into static data. It follows serde's data
//! model, not our types, so a field added to a knowledge-base type is
//! carried into the binary with no change here.
//!
//! - struct `S { a, b }` becomes `S { a: .., b: .. }`, tuples `(.., ..)`,
//!   unit and newtype variants `E::V` and `E::V(..)`;
//! - a sequence becomes `&[..]`, a map `&[(k, v), ..]`;
//! - a newtype struct becomes `Name(..)` with the name it gives serde, which
//!   is how `Text`, `List` and `Map` (see `data.rs`) ask for their static
//!   constructor: `Text::Static("..")`;
//! - strings are Rust string literals, numbers untyped literals (the field's
//!   type gives them their type), `None` and `Some(..)` as such.

use serde::ser::{self, Serialize};
use std::fmt::{self, Write};

/// The Rust expression of `value`.
pub fn to_rust<T: Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    let mut e = Emitter { out: String::new() };
    value.serialize(&mut e)?;
    Ok(e.out)
}

/// A value the emitter cannot write.
#[derive(Debug)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

struct Emitter {
    out: String,
}

impl Emitter {
    fn put(&mut self, s: &str) -> Result<(), Error> {
        self.out.push_str(s);
        Ok(())
    }
    fn num(&mut self, v: impl fmt::Display) -> Result<(), Error> {
        write!(self.out, "{v}").map_err(|e| Error(e.to_string()))
    }
}

/// A sequence, map, tuple or struct being written: its closing text and
/// whether an item was written yet.
struct Compound<'a> {
    e: &'a mut Emitter,
    close: &'static str,
    first: bool,
}

impl Compound<'_> {
    fn sep(&mut self) {
        if !self.first {
            self.e.out.push_str(", ");
        }
        self.first = false;
    }
    fn end(self) -> Result<(), Error> {
        self.e.put(self.close)
    }
}

impl<'a> ser::Serializer for &'a mut Emitter {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.put(if v { "true" } else { "false" })
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.num(v)
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.num(v)
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.num(v)
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.num(v)
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.num(v)
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.num(v)
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.num(v)
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.num(v)
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.f64_literal(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        self.f64_literal(v)
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        write!(self.out, "{v:?}").map_err(|e| Error(e.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        // Debug quotes and escapes a str the way a Rust literal wants it.
        write!(self.out, "{v:?}").map_err(|e| Error(e.to_string()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        write!(self.out, "&{v:?}").map_err(|e| Error(e.to_string()))
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.put("None")
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), Error> {
        self.put("Some(")?;
        v.serialize(&mut *self)?;
        self.put(")")
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.put("()")
    }
    fn serialize_unit_struct(self, name: &'static str) -> Result<(), Error> {
        self.put(name)
    }
    fn serialize_unit_variant(
        self,
        name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.put(&format!("{name}::{variant}"))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        self.put(name)?;
        self.put("(")?;
        v.serialize(&mut *self)?;
        self.put(")")
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        _index: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        self.put(&format!("{name}::{variant}("))?;
        v.serialize(&mut *self)?;
        self.put(")")
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'a>, Error> {
        open(self, "&[", "]")
    }
    fn serialize_tuple(self, _len: usize) -> Result<Compound<'a>, Error> {
        open(self, "(", ")")
    }
    fn serialize_tuple_struct(
        self,
        name: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, Error> {
        self.out.push_str(name);
        open(self, "(", ")")
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, Error> {
        write!(self.out, "{name}::{variant}").map_err(|e| Error(e.to_string()))?;
        open(self, "(", ")")
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'a>, Error> {
        open(self, "&[", "]")
    }
    fn serialize_struct(self, name: &'static str, _len: usize) -> Result<Compound<'a>, Error> {
        self.out.push_str(name);
        open(self, " { ", " }")
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a>, Error> {
        write!(self.out, "{name}::{variant}").map_err(|e| Error(e.to_string()))?;
        open(self, " { ", " }")
    }
}

/// Start a compound value: write its opening text.
fn open<'a>(e: &'a mut Emitter, text: &str, close: &'static str) -> Result<Compound<'a>, Error> {
    e.out.push_str(text);
    Ok(Compound {
        e,
        close,
        first: true,
    })
}

impl Emitter {
    fn f64_literal(&mut self, v: f64) -> Result<(), Error> {
        if !v.is_finite() {
            return Err(Error(format!("{v} has no Rust literal")));
        }
        // Debug always writes a decimal point or exponent, so it stays a float.
        write!(self.out, "{v:?}").map_err(|e| Error(e.to_string()))
    }
}

impl ser::SerializeSeq for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.sep();
        v.serialize(&mut *self.e)
    }
    fn end(self) -> Result<(), Error> {
        Compound::end(self)
    }
}

impl ser::SerializeTuple for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.sep();
        v.serialize(&mut *self.e)
    }
    fn end(self) -> Result<(), Error> {
        Compound::end(self)
    }
}

impl ser::SerializeTupleStruct for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.sep();
        v.serialize(&mut *self.e)
    }
    fn end(self) -> Result<(), Error> {
        Compound::end(self)
    }
}

impl ser::SerializeTupleVariant for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.sep();
        v.serialize(&mut *self.e)
    }
    fn end(self) -> Result<(), Error> {
        Compound::end(self)
    }
}

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), Error> {
        self.sep();
        self.e.out.push('(');
        k.serialize(&mut *self.e)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.e.out.push_str(", ");
        v.serialize(&mut *self.e)?;
        self.e.put(")")
    }
    fn end(self) -> Result<(), Error> {
        Compound::end(self)
    }
}

impl ser::SerializeStruct for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        self.sep();
        self.e.out.push_str(key);
        self.e.out.push_str(": ");
        v.serialize(&mut *self.e)
    }
    fn skip_field(&mut self, key: &'static str) -> Result<(), Error> {
        // A skipped field would leave the struct expression incomplete.
        Err(Error(format!("field {key} is skipped when serialising")))
    }
    fn end(self) -> Result<(), Error> {
        Compound::end(self)
    }
}

impl ser::SerializeStructVariant for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        self.sep();
        self.e.out.push_str(key);
        self.e.out.push_str(": ");
        v.serialize(&mut *self.e)
    }
    fn end(self) -> Result<(), Error> {
        Compound::end(self)
    }
}

#[cfg(test)]
mod tests {
    use super::to_rust;
    use crate::kb::{List, Map, Step, Text};
    use serde::Serialize;

    #[test]
    fn writes_a_step_as_a_static_expression() {
        let s = Step {
            title: Text::from("Check \"Allow\"".to_string()),
            detail: Text::Static("line 1\nline 2 \u{202e} é"),
            headers: List::Owned(vec![Text::Static("Allow")]),
            commands: [("tshark", "-Y sip")].into_iter().collect::<Map>(),
            unverified: None,
        };
        assert_eq!(
            to_rust(&s).unwrap(),
            "Step { title: Text::Static(\"Check \\\"Allow\\\"\"), \
             detail: Text::Static(\"line 1\\nline 2 \\u{202e} é\"), \
             headers: List::Static(&[Text::Static(\"Allow\")]), \
             commands: Map::Static(&[(Text::Static(\"tshark\"), Text::Static(\"-Y sip\"))]), \
             unverified: None }"
        );
    }

    #[test]
    fn numbers_options_tuples_and_variants() {
        #[derive(Serialize)]
        enum E {
            Unit,
            New(u8),
            Tup(u8, i64),
            Rec { x: f64 },
        }
        let v = (
            Some(31u8),
            None::<u16>,
            vec![E::Unit, E::New(7), E::Tup(1, -2), E::Rec { x: 1.0 }],
        );
        assert_eq!(
            to_rust(&v).unwrap(),
            "(Some(31), None, &[E::Unit, E::New(7), E::Tup(1, -2), E::Rec { x: 1.0 }])"
        );
        assert!(to_rust(&f64::NAN).is_err());
    }

    #[test]
    fn refuses_a_skipped_field() {
        #[derive(Serialize)]
        struct S {
            #[serde(skip_serializing_if = "Option::is_none")]
            a: Option<u8>,
        }
        assert!(to_rust(&S { a: None }).is_err());
        assert_eq!(to_rust(&S { a: Some(1) }).unwrap(), "S { a: Some(1) }");
    }
}
