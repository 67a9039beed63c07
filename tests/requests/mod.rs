mod errors;
mod list;
mod tasks;
mod tokens;
mod validation;
