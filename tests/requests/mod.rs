mod conditional;
mod cors;
mod errors;
mod list;
mod pages;
mod tasks;
mod tokens;
mod validation;
