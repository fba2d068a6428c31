//! The person record of the CSV contract (`/work/shared/bench/CONTRACT.md`), as plain strings.

/// One person record from a list, a registration, a tracing request or the store.
///
/// Every field but `id` may be empty. A record needs at least one of `full_name`, `given_name`
/// and `family_name` to be matched ([`Record::has_name`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Record {
    /// Unique within its file or store.
    pub id: String,
    /// The name as written when it is not split into parts (any script, any order).
    pub full_name: String,
    /// First name(s).
    pub given_name: String,
    /// East Slavic patronymic, or the father's (and grandfather's) names of a name chain.
    pub patronymic: String,
    /// Surname, tribe or family name.
    pub family_name: String,
    /// `M`, `F` or empty.
    pub sex: String,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, or empty.
    pub birth_date: String,
    /// Free text, any script.
    pub birth_place: String,
    /// ISO 3166-1 alpha-2, or empty.
    pub nationality: String,
    /// The father's name, free text.
    pub father_name: String,
    /// The mother's name (maiden name where known), free text.
    pub mother_name: String,
    /// Army, regimental, personal or serial number, as written.
    pub service_number: String,
    /// Postal or home address, free text (GC III 122(4)); an extension of the contract.
    pub address: String,
}

impl Record {
    /// A record with only an id; set the other fields directly.
    pub fn new(id: impl Into<String>) -> Record {
        Record {
            id: id.into(),
            ..Record::default()
        }
    }

    /// Whether the record carries any name (the contract rejects records without one).
    pub fn has_name(&self) -> bool {
        [&self.full_name, &self.given_name, &self.family_name]
            .iter()
            .any(|s| s.chars().any(|c| c.is_alphanumeric()))
    }
}

/// The contract's column names, in the order the contract lists them.
pub const COLUMNS: [&str; 13] = [
    "id",
    "full_name",
    "given_name",
    "patronymic",
    "family_name",
    "sex",
    "birth_date",
    "birth_place",
    "nationality",
    "father_name",
    "mother_name",
    "service_number",
    "address",
];

impl Record {
    /// Sets the field of a contract column; unknown columns are ignored (returns `false`).
    pub fn set(&mut self, column: &str, value: &str) -> bool {
        let field = match column {
            "id" => &mut self.id,
            "full_name" => &mut self.full_name,
            "given_name" => &mut self.given_name,
            "patronymic" => &mut self.patronymic,
            "family_name" => &mut self.family_name,
            "sex" => &mut self.sex,
            "birth_date" => &mut self.birth_date,
            "birth_place" => &mut self.birth_place,
            "nationality" => &mut self.nationality,
            "father_name" => &mut self.father_name,
            "mother_name" => &mut self.mother_name,
            "service_number" => &mut self.service_number,
            "address" => &mut self.address,
            _ => return false,
        };
        value.clone_into(field);
        true
    }
}
