"""Deterministic generator of plausible Italian people for demo and benchmark data.

Everything random comes from the ``random.Random`` passed in, never from the global generator,
so the same seed always yields the same people: demo schools and benchmark runs are then
reproducible. Not cryptographically random, and it does not need to be.

The people are fictitious, but their codici fiscali are computed with the official algorithm
on real comuni, so they pass the same validation as real data. E-mail addresses only use the
reserved example.* domains (RFC 2606), so a demo can never mail a real person.
"""

from __future__ import annotations

import datetime
import random
import unicodedata
from dataclasses import dataclass
from typing import Final, Literal

from campanella.lib.italian import make_codice_fiscale

__all__ = [
    "COMUNI",
    "EMAIL_DOMAINS",
    "FEMALE_NAMES",
    "MALE_NAMES",
    "SURNAMES",
    "FakePerson",
    "fake_person",
]

MALE_NAMES: Final[tuple[str, ...]] = (
    "Achille", "Adriano", "Aldo", "Alberto", "Alessandro", "Alessio", "Alfredo", "Andrea",
    "Angelo", "Antonio", "Arturo", "Attilio", "Augusto", "Benedetto", "Brando", "Bruno",
    "Carlo", "Carmine", "Cesare", "Christian", "Ciro", "Claudio", "Cosimo", "Cristiano",
    "Damiano", "Daniele", "Dario", "Davide", "Diego", "Domenico", "Edoardo", "Elia", "Elio",
    "Emanuele", "Emilio", "Enea", "Enrico", "Enzo", "Ernesto", "Ettore", "Fabio", "Fabrizio",
    "Fausto", "Federico", "Fernando", "Filippo", "Flavio", "Francesco", "Franco", "Gabriele",
    "Gaetano", "Gennaro", "Giacomo", "Giancarlo", "Gianfranco", "Gianluca", "Gianmarco",
    "Gian Maria", "Gianni", "Gino", "Gioele", "Giorgio", "Giosuè", "Giovanni", "Giulio",
    "Giuseppe", "Guido", "Ignazio", "Ivan", "Jacopo", "Leonardo", "Leone", "Lorenzo", "Luca",
    "Luciano", "Lucio", "Ludovico", "Luigi", "Manfredi", "Manuel", "Marcello", "Marco",
    "Mariano", "Mario", "Massimiliano", "Massimo", "Matteo", "Mattia", "Maurizio", "Mauro",
    "Michele", "Mirko", "Nicola", "Nicolò", "Noè", "Omar", "Orazio", "Ottavio", "Paolo",
    "Pasquale", "Pier Paolo", "Piero", "Pierluigi", "Pietro", "Raffaele", "Raimondo", "Renato",
    "Renzo", "Riccardo", "Roberto", "Rocco", "Romeo", "Rosario", "Ruggero", "Salvatore",
    "Samuele", "Sandro", "Santo", "Saverio", "Sebastiano", "Sergio", "Silvio", "Simone",
    "Stefano", "Thomas", "Tiziano", "Tommaso", "Ugo", "Umberto", "Valentino", "Valerio",
    "Vincenzo", "Vito", "Vittorio", "Walter", "Zeno",
)  # fmt: skip

FEMALE_NAMES: Final[tuple[str, ...]] = (
    "Adele", "Agnese", "Alba", "Alessandra", "Alessia", "Alice", "Allegra", "Angela", "Anna",
    "Anna Maria", "Annalisa", "Antonella", "Arianna", "Asia", "Assunta", "Aurora", "Azzurra",
    "Barbara", "Beatrice", "Benedetta", "Bianca", "Camilla", "Carla", "Carmela", "Carolina",
    "Caterina", "Cecilia", "Chiara", "Cinzia", "Claudia", "Concetta", "Costanza", "Cristina",
    "Daniela", "Debora", "Delia", "Diana", "Elena", "Eleonora", "Elettra", "Elisa",
    "Elisabetta", "Emanuela", "Emilia", "Emma", "Erica", "Ester", "Fabiola", "Federica",
    "Filomena", "Flavia", "Francesca", "Franca", "Gabriella", "Gaia", "Giada", "Ginevra",
    "Gioia", "Giorgia", "Giovanna", "Giulia", "Giuseppina", "Greta", "Ida", "Ilaria",
    "Immacolata", "Irene", "Iris", "Jessica", "Lara", "Laura", "Letizia", "Liliana", "Lisa",
    "Livia", "Loredana", "Lorena", "Lucia", "Lucrezia", "Ludovica", "Luisa", "Maddalena",
    "Manuela", "Mara", "Margherita", "Maria", "Maria Grazia", "Mariangela", "Marina", "Marisa",
    "Marta", "Martina", "Matilde", "Melissa", "Michela", "Mirella", "Miriam", "Monica", "Nadia",
    "Natalia", "Nicole", "Nicoletta", "Noemi", "Norma", "Ornella", "Ottavia", "Pamela",
    "Paola", "Patrizia", "Rachele", "Raffaella", "Rebecca", "Rita", "Roberta", "Rosa",
    "Sabina", "Sabrina", "Sara", "Serena", "Silvia", "Simona", "Sofia", "Sonia", "Stefania",
    "Sveva", "Tania", "Teresa", "Tiziana", "Valentina", "Valeria", "Vanessa", "Veronica",
    "Viola", "Vittoria",
)  # fmt: skip

SURNAMES: Final[tuple[str, ...]] = (
    "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci",
    "Marino", "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano",
    "Rizzo", "Lombardi", "Moretti", "Barbieri", "Fontana", "Santoro", "Mariani", "Rinaldi",
    "Caruso", "Ferrara", "Galli", "Martini", "Leone", "Longo", "Gentile", "Martinelli",
    "Vitale", "Lombardo", "Serra", "Coppola", "De Santis", "D'Angelo", "Marchetti", "Parisi",
    "Villa", "Conte", "Ferraro", "Ferri", "Fabbri", "Bianco", "Marini", "Grasso", "Valentini",
    "Messina", "Sala", "De Angelis", "Gatti", "Pellegrini", "Palumbo", "Sanna", "Farina",
    "Rizzi", "Monti", "Cattaneo", "Morelli", "Amato", "Silvestri", "Mazza", "Testa", "Grassi",
    "Pellegrino", "Carbone", "Giuliani", "Benedetti", "Barone", "Rossetti", "Caputo",
    "Montanari", "Guerra", "Palmieri", "Bernardi", "Martino", "Fiore", "De Rosa", "Ferretti",
    "Bellini", "Basile", "Riva", "Donati", "Piras", "Vitali", "Battaglia", "Sartori", "Neri",
    "Costantini", "Milani", "Pagano", "Ruggiero", "Sorrentino", "D'Amico", "Orlando",
    "Damiani", "Negri", "Fumagalli", "Cirillo", "Bassi", "Marchi", "Mele", "Melis",
    "Mazzola", "Monaco", "Mori", "Olivieri", "Pace", "Pagani", "Parodi",
    "Pastore", "Piccolo", "Poli", "Porcu", "Ricciardi", "Romeo", "Ruggeri", "Salvi",
    "Santini", "Sartor", "Schiavone", "Silvestro", "Tosi", "Valente", "Villani", "Zanella",
    "Zanetti", "Zani", "Zito", "Dell'Acqua", "Lo Russo", "Di Stefano", "Di Marco", "Lo Bianco",
    "La Rosa", "Dal Molin", "Della Valle", "Dell'Orto", "D'Alessandro", "De Simone",
    "Di Giacomo", "Lo Presti", "La Torre", "Dalla Costa", "De Marchi", "Del Prete", "D'Onofrio",
    "Di Pietro", "Di Benedetto", "Abate", "Adami", "Agostini", "Albanese", "Alberti",
    "Amadori", "Angeli", "Arena", "Aquilani", "Baldi", "Barbera", "Barbero", "Bartoli",
    "Bassani", "Belli", "Bellomo", "Berardi", "Berti", "Bertolini", "Bonetti", "Bonfanti",
    "Borghi", "Bosco", "Brambilla", "Brunetti", "Bucci", "Buonomo", "Cabras", "Calabrese",
    "Campana", "Canale", "Cantoni", "Capone", "Cappelli", "Carli", "Carlini", "Casali",
    "Caselli", "Castelli", "Castellano", "Cavallo", "Cavalli", "Ceccarelli", "Cerri", "Cesari",
    "Chiesa", "Cocco", "Colonna", "Corsi", "Corti", "Cristiani", "Cuomo", "Curcio",
    "D'Agostino", "Del Vecchio", "De Falco", "De Feo", "De Vita", "Di Lorenzo", "Di Napoli",
    "Donnini", "Esposti", "Fabris", "Fadda", "Falco", "Fanti", "Fava", "Ferrante", "Festa",
    "Filippi", "Fiorentino", "Fontanella", "Forte", "Franchi", "Franco", "Fusco", "Gallina",
    "Garofalo", "Gasparini", "Gentili", "Giacomelli", "Giannini", "Gioia", "Giorgi", "Grillo",
    "Guidi", "Iacono", "Landi", "Lanza", "Leonardi", "Levi", "Lucchesi", "Luongo", "Maggi",
    "Magri", "Manca", "Mancuso", "Manzoni", "Marchese", "Marras", "Marra", "Massa", "Mattei",
    "Mazzoni", "Medici", "Meloni", "Merlo", "Micheli", "Minelli", "Moro", "Muratori", "Murgia",
    "Napolitano", "Natale", "Nardi", "Nicoletti", "Noto", "Orsini", "Pala", "Palma", "Paoli",
    "Papa", "Pedrazzini", "Pepe", "Perrone", "Piazza", "Pinna", "Pisano", "Pozzi", "Prati",
    "Puglisi", "Quaranta", "Raimondi", "Rapisarda", "Riccardi", "Righi", "Rocca", "Romagnoli",
    "Rota", "Rubino", "Sacco", "Salerno", "Salvatore", "Sarti", "Scotti", "Serafini", "Sesti",
    "Sorce", "Spada", "Spinelli", "Stefani", "Tedesco", "Terranova", "Tomasi", "Toscano",
    "Trevisan", "Tronci", "Tucci", "Vaccaro", "Vecchi", "Venturi", "Verdi", "Vianello",
    "Vinci", "Visentin", "Zaccaria", "Zamboni", "Zanon", "Zuliani",
)  # fmt: skip

# (comune, cadastral "Belfiore" code) of real comuni; codes checked against the official list.
COMUNI: Final[tuple[tuple[str, str], ...]] = (
    ("Roma", "H501"), ("Milano", "F205"), ("Napoli", "F839"), ("Torino", "L219"),
    ("Palermo", "G273"), ("Genova", "D969"), ("Bologna", "A944"), ("Firenze", "D612"),
    ("Bari", "A662"), ("Catania", "C351"), ("Venezia", "L736"), ("Verona", "L781"),
    ("Messina", "F158"), ("Padova", "G224"), ("Trieste", "L424"), ("Brescia", "B157"),
    ("Parma", "G337"), ("Taranto", "L049"), ("Prato", "G999"), ("Modena", "F257"),
    ("Reggio di Calabria", "H224"), ("Reggio nell'Emilia", "H223"), ("Perugia", "G478"),
    ("Ravenna", "H199"), ("Livorno", "E625"), ("Cagliari", "B354"), ("Foggia", "D643"),
    ("Rimini", "H294"), ("Salerno", "H703"), ("Ferrara", "D548"), ("Sassari", "I452"),
    ("Latina", "E472"), ("Monza", "F704"), ("Siracusa", "I754"), ("Pescara", "G482"),
    ("Bergamo", "A794"), ("Trento", "L378"), ("Vicenza", "L840"), ("Bolzano", "A952"),
    ("Novara", "F952"), ("Piacenza", "G535"), ("Ancona", "A271"), ("Andria", "A285"),
    ("Udine", "L483"), ("Arezzo", "A390"), ("Cesena", "C573"), ("Lecce", "E506"),
    ("Pesaro", "G479"), ("La Spezia", "E463"), ("Alessandria", "A182"), ("Pisa", "G702"),
    ("Pistoia", "G713"), ("Lucca", "E715"), ("Como", "C933"), ("Brindisi", "B180"),
    ("Catanzaro", "C352"), ("Treviso", "L407"), ("Varese", "L682"), ("Carpi", "B819"),
    ("Sassuolo", "I462"), ("San Giuliano Terme", "A562"), ("L'Aquila", "A345"),
    ("Aosta", "A326"), ("Potenza", "G942"), ("Campobasso", "B519"), ("Forlì", "D704"),
    ("Cosenza", "D086"), ("Siena", "I726"), ("Sondrio", "I829"), ("Mantova", "E897"),
    ("Cremona", "D150"), ("Pavia", "G388"), ("Lodi", "E648"), ("Lecco", "E507"),
    ("Terni", "L117"), ("Viterbo", "M082"), ("Caserta", "B963"), ("Ragusa", "H163"),
    ("Trapani", "L331"), ("Agrigento", "A089"), ("Nuoro", "F979"), ("Oristano", "G113"),
    ("Matera", "F052"), ("Crotone", "D122"), ("Grosseto", "E202"), ("Belluno", "A757"),
    ("Rovigo", "H620"), ("Pordenone", "G888"), ("Gorizia", "E098"), ("Asti", "A479"),
    ("Cuneo", "D205"), ("Biella", "A859"), ("Vercelli", "L750"), ("Savona", "I480"),
    ("Imperia", "E290"), ("Teramo", "L103"), ("Chieti", "C632"), ("Macerata", "E783"),
    ("Fermo", "D542"), ("Ascoli Piceno", "A462"), ("Frosinone", "D810"), ("Rieti", "H282"),
    ("Avellino", "A509"), ("Benevento", "A783"), ("Caltanissetta", "B429"), ("Enna", "C342"),
    ("Vibo Valentia", "F537"), ("Massa", "F023"), ("Torre del Greco", "L259"),
    ("Giugliano in Campania", "E054"), ("Sesto San Giovanni", "I690"), ("Barletta", "A669"),
    ("Trani", "L328"), ("Urbino", "L500"), ("Imola", "E289"), ("Faenza", "D458"),
    ("Mirandola", "F240"), ("Vignola", "L885"),
)  # fmt: skip

# Reserved for documentation by RFC 2606: mail sent there can never reach anyone.
EMAIL_DOMAINS: Final[tuple[str, ...]] = ("example.org", "example.net", "example.com")

# Prefixes actually used by Italian mobile operators, so numbers look right in the UI.
_MOBILE_PREFIXES: Final[tuple[str, ...]] = (
    "320", "324", "327", "328", "329", "330", "331", "333", "334", "335", "336", "338", "339",
    "340", "342", "345", "346", "347", "348", "349", "350", "351", "366", "368", "370", "371",
    "377", "380", "388", "389", "391", "392", "393",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class FakePerson:
    surname: str
    name: str
    sex: Literal["M", "F"]
    birth_date: datetime.date
    birth_place: str
    birth_place_code: str
    codice_fiscale: str
    email: str
    phone: str


def _ascii_slug(text: str) -> str:
    """Lowercase ASCII letters only: "Dell'Acqua" -> "dellacqua", "Nicolò" -> "nicolo"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if "a" <= c <= "z")


def fake_person(
    rng: random.Random,
    *,
    born_between: tuple[datetime.date, datetime.date],
    sex: Literal["M", "F"] | None = None,
    surname: str | None = None,
) -> FakePerson:
    """Return a plausible Italian person born in the inclusive range ``born_between``.

    Pass ``surname`` to make a child share a parent's surname. The codice fiscale is the one the
    official algorithm gives (never an omocodia variant): two fake people with the same name,
    surname, birth date and comune would share it, which is unlikely but possible, so callers
    needing uniqueness must check. E-mail addresses are not guaranteed unique either.
    """
    start, end = born_between
    if start > end:
        raise ValueError("born_between must be (earliest, latest) with earliest <= latest")
    # The order of the rng calls is part of the contract: changing it changes every demo school.
    chosen_sex: Literal["M", "F"] = sex if sex is not None else rng.choice(("M", "F"))
    name = rng.choice(MALE_NAMES if chosen_sex == "M" else FEMALE_NAMES)
    chosen_surname = surname if surname is not None else rng.choice(SURNAMES)
    birth_date = start + datetime.timedelta(days=rng.randint(0, (end - start).days))
    birth_place, place_code = rng.choice(COMUNI)
    codice_fiscale = make_codice_fiscale(
        surname=chosen_surname,
        name=name,
        birth_date=birth_date,
        sex=chosen_sex,
        place_code=place_code,
    )
    local_part = f"{_ascii_slug(name)}.{_ascii_slug(chosen_surname)}{rng.randint(1, 99)}"
    email = f"{local_part}@{rng.choice(EMAIL_DOMAINS)}"
    phone = (
        f"+39 {rng.choice(_MOBILE_PREFIXES)} {rng.randint(0, 999):03d} {rng.randint(0, 9999):04d}"
    )
    return FakePerson(
        surname=chosen_surname,
        name=name,
        sex=chosen_sex,
        birth_date=birth_date,
        birth_place=birth_place,
        birth_place_code=place_code,
        codice_fiscale=codice_fiscale,
        email=email,
        phone=phone,
    )
