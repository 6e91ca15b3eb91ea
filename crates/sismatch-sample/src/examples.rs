//! Example searches over a generated corpus: the handful of misread numbers that show what the
//! engine is for, each with the alerts it must find, for `sismatch demo` to run and print.

use sismatch_alert::{Alert, Category, IdentifierEntry};
use sismatch_ident::{IdentifierKind, normalise, parse};

use crate::corrupt::{Corruption, corrupt, lookalike_and_transposition};
use crate::generator::Sample;

/// An illustrative search and what it must find.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleQuery {
    /// What the search shows, in one line for the demo's output, naming the stored value and
    /// the misreading.
    pub title: String,
    /// The values read on the object, each with its kind when the officer knows it: the
    /// queries of one search.
    pub values: Vec<(Option<IdentifierKind>, String)>,
    /// The alerts the search must return (all alerts of the object; more may match).
    pub expected_alert_ids: Vec<String>,
}

/// An object of the corpus with its alerts, in the order generated.
struct Reported<'a> {
    number: u64,
    alerts: Vec<&'a Alert>,
}

impl Reported<'_> {
    fn first(&self) -> Option<&Alert> {
        self.alerts.first().copied()
    }

    fn ids(&self) -> Vec<String> {
        self.alerts.iter().map(|alert| alert.id.clone()).collect()
    }

    fn is(&self, category: Category) -> bool {
        self.first().is_some_and(|alert| alert.category == category)
    }

    /// The first identifier of one of `kinds` on the first alert.
    fn identifier(&self, kinds: &[IdentifierKind]) -> Option<&IdentifierEntry> {
        let alert = self.first()?;
        alert
            .identifiers
            .iter()
            .find(|entry| kinds.contains(&entry.kind))
    }
}

const HULL: [IdentifierKind; 2] = [IdentifierKind::Hin, IdentifierKind::Cin];

/// About six searches that show off the engine on `samples`: a misread hull number, a fragment
/// of a ground-off one, a VIN with two typos, the CIN of a boat reported in two countries typed
/// without its prefix, a hull and engine serial together, and a firearm serial. A search whose
/// kind of object the samples lack is left out; only objects whose alerts are all searchable
/// (active or hit confirmed) are used, and each object at most once.
pub fn example_queries(samples: &[Sample]) -> Vec<ExampleQuery> {
    let mut objects: Vec<Reported<'_>> = Vec::new();
    for sample in samples {
        match objects.last_mut() {
            Some(last) if last.number == sample.object => last.alerts.push(&sample.alert),
            _ => objects.push(Reported {
                number: sample.object,
                alerts: vec![&sample.alert],
            }),
        }
    }
    objects.retain(|object| object.alerts.iter().all(|a| a.status.is_searchable()));
    let pickers: [fn(&Reported<'_>) -> Option<ExampleQuery>; 6] = [
        misread_hull,
        ground_off_hull,
        vin_with_typos,
        shared_cin_without_prefix,
        hull_and_engine,
        firearm,
    ];
    let mut used = Vec::new();
    let mut examples = Vec::new();
    for pick in pickers {
        let found = objects
            .iter()
            .filter(|object| !used.contains(&object.number))
            .find_map(|object| Some((object.number, pick(object)?)));
        if let Some((number, example)) = found {
            used.push(number);
            examples.push(example);
        }
    }
    examples
}

fn misread_hull(object: &Reported<'_>) -> Option<ExampleQuery> {
    let hull = object.identifier(&[IdentifierKind::Hin])?;
    let query = lookalike_and_transposition(&hull.value, object.number)?;
    Some(ExampleQuery {
        title: format!(
            "hull number {} misread as {query}: a look-alike and two swapped characters",
            hull.value
        ),
        values: vec![(Some(IdentifierKind::Hin), query)],
        expected_alert_ids: object.ids(),
    })
}

fn ground_off_hull(object: &Reported<'_>) -> Option<ExampleQuery> {
    let hull = object.identifier(&HULL)?;
    let key: Vec<char> = parse(&hull.value, Some(hull.kind)).key.chars().collect();
    let readable: String = key.get(4..10)?.iter().collect();
    Some(ExampleQuery {
        title: format!(
            "ground-off hull number, only {readable} readable (stored {})",
            hull.value
        ),
        values: vec![(Some(IdentifierKind::Hin), format!("*{readable}*"))],
        expected_alert_ids: object.ids(),
    })
}

fn vin_with_typos(object: &Reported<'_>) -> Option<ExampleQuery> {
    if !object.is(Category::MotorVehicle) {
        return None;
    }
    let vin = object.identifier(&[IdentifierKind::Vin])?;
    let query = corrupt(&vin.value, Corruption::TwoEdits, object.number)?;
    Some(ExampleQuery {
        title: format!("VIN {} typed with two typos as {query}", vin.value),
        values: vec![(Some(IdentifierKind::Vin), query)],
        expected_alert_ids: object.ids(),
    })
}

fn shared_cin_without_prefix(object: &Reported<'_>) -> Option<ExampleQuery> {
    let [first, second] = object.alerts.as_slice() else {
        return None;
    };
    let cin = object.identifier(&[IdentifierKind::Cin])?;
    let query = corrupt(&cin.value, Corruption::PrefixDropped, object.number)?;
    Some(ExampleQuery {
        title: format!(
            "CIN {} of a boat reported in {} and {}, typed without its country prefix as {query}",
            cin.value, first.country, second.country
        ),
        values: vec![(Some(IdentifierKind::Hin), query)],
        expected_alert_ids: object.ids(),
    })
}

fn hull_and_engine(object: &Reported<'_>) -> Option<ExampleQuery> {
    let hull = object.identifier(&HULL)?;
    let engine = object.identifier(&[IdentifierKind::EngineSerial])?;
    let misread = corrupt(&engine.value, Corruption::LookAlike, object.number)?;
    let maker = engine.manufacturer.as_deref().unwrap_or("engine");
    Some(ExampleQuery {
        title: format!(
            "hull number and {maker} engine serial of one boat, the engine serial {} misread as {misread}",
            engine.value
        ),
        values: vec![
            (Some(hull.kind), normalise(&hull.value)),
            (Some(IdentifierKind::EngineSerial), misread),
        ],
        expected_alert_ids: object.ids(),
    })
}

fn firearm(object: &Reported<'_>) -> Option<ExampleQuery> {
    let serial = object.identifier(&[IdentifierKind::FirearmSerial])?;
    let maker = serial.manufacturer.as_deref()?;
    let query = corrupt(&serial.value, Corruption::Transposition, object.number)?;
    let model = object.first()?.model.as_deref().unwrap_or_default();
    Some(ExampleQuery {
        title: format!(
            "{maker} {model} serial {} typed as {query} (firearm serials are unique per maker only)",
            serial.value
        ),
        values: vec![(Some(IdentifierKind::FirearmSerial), query)],
        expected_alert_ids: object.ids(),
    })
}
