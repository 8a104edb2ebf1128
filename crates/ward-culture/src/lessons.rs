//! Cyber-hygiene lessons as data: `lessons/*.yaml` (title, audience, a few screens of text with
//! optional images from `lessons/images/`, and a short quiz), embedded into the binary and
//! validated field by field. Quizzes are marked here, so a page cannot mark them differently.

use crate::{Error, FieldProblem};

/// Most screens in a lesson (a lesson takes minutes, not an hour).
pub const MAX_SCREENS: usize = 8;
/// Most quiz questions.
pub const MAX_QUESTIONS: usize = 6;
/// Most choices per question.
pub const MAX_CHOICES: usize = 5;
/// Longest screen text, in characters.
pub const MAX_SCREEN_CHARS: usize = 2500;
/// Longest title, heading, question or choice, in characters.
pub const MAX_LINE_CHARS: usize = 200;
/// Audiences a lesson may name.
pub const AUDIENCES: [&str; 8] = ["all", "clinical", "nursing", "physicians", "administrative", "technicians", "it", "management"];

/// The lesson files, compiled in (the test `every_file_is_embedded` checks none is missing).
pub const EMBEDDED: &[(&str, &str)] = &[
    ("phishing-on-the-ward.yaml", include_str!("../../../lessons/phishing-on-the-ward.yaml")),
    ("shared-workstations.yaml", include_str!("../../../lessons/shared-workstations.yaml")),
    ("usb-and-medical-devices.yaml", include_str!("../../../lessons/usb-and-medical-devices.yaml")),
    ("passwords-and-mfa.yaml", include_str!("../../../lessons/passwords-and-mfa.yaml")),
    ("downtime-procedures.yaml", include_str!("../../../lessons/downtime-procedures.yaml")),
    ("how-and-why-to-report.yaml", include_str!("../../../lessons/how-and-why-to-report.yaml")),
];
/// Images lessons may show (SVG from the repository, served as images, never inlined).
pub const IMAGES: &[(&str, &str)] = &[
    ("phishing-signs.svg", include_str!("../../../lessons/images/phishing-signs.svg")),
    ("lock-screen.svg", include_str!("../../../lessons/images/lock-screen.svg")),
];

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lesson {
    pub id: String,
    pub title: String,
    pub audience: Vec<String>,
    pub minutes: u32,
    pub screens: Vec<Screen>,
    pub quiz: Vec<Question>,
    /// Correct answers needed to pass; defaults to all but one (at least one).
    #[serde(default)]
    pub pass_mark: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Screen {
    pub heading: String,
    pub text: String,
    #[serde(default)]
    pub image: Option<String>,
    #[serde(default)]
    pub image_alt: Option<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub question: String,
    pub choices: Vec<String>,
    /// Index of the right choice (0-based).
    pub answer: usize,
    pub explanation: String,
}

/// The result of a quiz.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct QuizResult {
    pub score: u32,
    pub total: u32,
    pub passed: bool,
}

impl Lesson {
    /// Parses and validates one lesson file; the problem names the field path.
    pub fn from_yaml(file: &str, text: &str) -> Result<Lesson, Error> {
        let err = |field: &str, reason: String| Error::Lesson { file: file.to_owned(), problem: FieldProblem::new(field, reason) };
        let lesson: Lesson = serde_yaml_ng::from_str(text).map_err(|e| err("", e.to_string()))?;
        let stem = file.trim_end_matches(".yaml");
        if lesson.id != stem {
            return Err(err("id", format!("must equal the file name without .yaml ({stem:?})")));
        }
        let line = |field: &str, v: &str| -> Result<(), Error> {
            if v.trim().is_empty() {
                return Err(err(field, "must not be empty".into()));
            }
            if v.chars().count() > MAX_LINE_CHARS {
                return Err(err(field, format!("must be at most {MAX_LINE_CHARS} characters")));
            }
            Ok(())
        };
        line("title", &lesson.title)?;
        if lesson.audience.is_empty() {
            return Err(err("audience", "name at least one audience".into()));
        }
        for (i, a) in lesson.audience.iter().enumerate() {
            if !AUDIENCES.contains(&a.as_str()) {
                return Err(err(&format!("audience[{i}]"), format!("{a:?} is not one of {}", AUDIENCES.join(", "))));
            }
        }
        if !(1..=30).contains(&lesson.minutes) {
            return Err(err("minutes", "must be between 1 and 30".into()));
        }
        if lesson.screens.is_empty() || lesson.screens.len() > MAX_SCREENS {
            return Err(err("screens", format!("must have 1 to {MAX_SCREENS} screens")));
        }
        for (i, s) in lesson.screens.iter().enumerate() {
            line(&format!("screens[{i}].heading"), &s.heading)?;
            if s.text.trim().is_empty() || s.text.chars().count() > MAX_SCREEN_CHARS {
                return Err(err(&format!("screens[{i}].text"), format!("must have 1 to {MAX_SCREEN_CHARS} characters")));
            }
            if let Some(img) = &s.image {
                let name = img.strip_prefix("images/").unwrap_or("");
                if !IMAGES.iter().any(|(n, _)| *n == name) {
                    return Err(err(&format!("screens[{i}].image"), format!("{img:?} is not an image in lessons/images/")));
                }
                if s.image_alt.as_deref().is_none_or(|a| a.trim().is_empty()) {
                    return Err(err(&format!("screens[{i}].image_alt"), "an image needs a text alternative".into()));
                }
            }
        }
        if lesson.quiz.is_empty() || lesson.quiz.len() > MAX_QUESTIONS {
            return Err(err("quiz", format!("must have 1 to {MAX_QUESTIONS} questions")));
        }
        for (i, q) in lesson.quiz.iter().enumerate() {
            line(&format!("quiz[{i}].question"), &q.question)?;
            if q.choices.len() < 2 || q.choices.len() > MAX_CHOICES {
                return Err(err(&format!("quiz[{i}].choices"), format!("must have 2 to {MAX_CHOICES} choices")));
            }
            for (j, c) in q.choices.iter().enumerate() {
                line(&format!("quiz[{i}].choices[{j}]"), c)?;
            }
            if q.answer >= q.choices.len() {
                return Err(err(&format!("quiz[{i}].answer"), format!("must be a choice index from 0 to {}", q.choices.len() - 1)));
            }
            if q.explanation.trim().is_empty() {
                return Err(err(&format!("quiz[{i}].explanation"), "say why the answer is right".into()));
            }
        }
        if let Some(p) = lesson.pass_mark {
            if p == 0 || p as usize > lesson.quiz.len() {
                return Err(err("pass_mark", format!("must be between 1 and the number of questions ({})", lesson.quiz.len())));
            }
        }
        Ok(lesson)
    }

    pub fn pass_mark(&self) -> u32 {
        self.pass_mark.unwrap_or_else(|| (self.quiz.len() as u32).saturating_sub(1).max(1))
    }

    /// Marks answers (one choice index per question; a missing answer is wrong).
    pub fn mark(&self, answers: &[Option<usize>]) -> QuizResult {
        let score = self.quiz.iter().enumerate().filter(|(i, q)| answers.get(*i).copied().flatten() == Some(q.answer)).count() as u32;
        QuizResult { score, total: self.quiz.len() as u32, passed: score >= self.pass_mark() }
    }
}

/// Every embedded lesson, validated, in the order of [`EMBEDDED`].
pub fn embedded() -> Result<Vec<Lesson>, Error> {
    EMBEDDED.iter().map(|(file, text)| Lesson::from_yaml(file, text)).collect()
}

/// Validates lesson files given as (file name, text); every failing file is reported.
pub fn validate_all(files: &[(String, String)]) -> Vec<Result<Lesson, Error>> {
    files.iter().map(|(f, t)| Lesson::from_yaml(f, t)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_lessons_validate() {
        let lessons = embedded().unwrap();
        assert!(lessons.len() >= 6);
        for l in &lessons {
            let right: Vec<Option<usize>> = l.quiz.iter().map(|q| Some(q.answer)).collect();
            assert!(l.mark(&right).passed);
            assert!(!l.mark(&[]).passed);
        }
    }

    #[test]
    fn every_file_is_embedded() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../lessons");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir).unwrap().filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).filter(|n| n.ends_with(".yaml")).collect();
        on_disk.sort();
        let mut embedded: Vec<String> = EMBEDDED.iter().map(|(n, _)| (*n).to_owned()).collect();
        embedded.sort();
        assert_eq!(on_disk, embedded);
    }

    #[test]
    fn bad_lessons_name_the_field() {
        let good = EMBEDDED[0].1;
        let check = |text: &str| match Lesson::from_yaml("phishing-on-the-ward.yaml", text) {
            Err(Error::Lesson { problem, .. }) => problem.field,
            other => panic!("{other:?}"),
        };
        assert_eq!(check(&good.replace("answer: 1", "answer: 9")), "quiz[0].answer");
        assert_eq!(check(&good.replace("id: phishing-on-the-ward", "id: other")), "id");
        assert_eq!(check(&good.replace("audience: [all", "audience: [surgeons")), "audience[0]");
        assert_eq!(check(&good.replace("images/phishing-signs.svg", "images/missing.svg")), "screens[0].image");
        assert_eq!(check(&format!("{good}\nextra_field: 1\n")), "");
    }
}
