// Surrogate name lists written for medgrade (common given and family names across several
// languages, ASCII only so that they encode in every character set a file may declare).
// Sizes are what matters: 96 x 64 combinations per sex keep collisions between patients rare
// while each surrogate still reads as a real name ("hiding in plain sight").

export const FEMALE_GIVEN: readonly string[] = [
  'ANNA', 'MARIA', 'EMMA', 'SOFIA', 'LAURA', 'JULIA', 'CLARA', 'ELENA', 'SARAH', 'HANNAH', 'LENA', 'NORA',
  'ALICE', 'GRACE', 'OLIVIA', 'CHLOE', 'LUCY', 'MIA', 'ELLA', 'ZOE', 'RUTH', 'IRENE', 'HELEN', 'MARTA',
  'ROSA', 'EVA', 'INES', 'CARMEN', 'LUISA', 'PAULA', 'TERESA', 'AGNES', 'INGRID', 'ASTRID', 'FREYA', 'GRETA',
  'MAYA', 'LEILA', 'AMIRA', 'YASMIN', 'PRIYA', 'ANIKA', 'MEI', 'YUKI', 'HANA', 'SORA', 'NADIA', 'VERA',
  'DORA', 'FLORA', 'EDITH', 'JUNE', 'MARGOT', 'CELIA', 'ADA', 'IRIS', 'MILA', 'NINA', 'OLGA', 'PIA',
  'RITA', 'SILVIA', 'TANIA', 'WANDA',
];

export const MALE_GIVEN: readonly string[] = [
  'JOHN', 'PAUL', 'PETER', 'DAVID', 'MARK', 'LUKE', 'THOMAS', 'JAMES', 'HENRY', 'OSCAR', 'LEO', 'MAX',
  'FELIX', 'HUGO', 'LUCAS', 'NOAH', 'ELIAS', 'JONAS', 'ADAM', 'OLIVER', 'SAMUEL', 'DANIEL', 'SIMON', 'ANDREW',
  'CARLOS', 'DIEGO', 'PABLO', 'MARCO', 'LUCA', 'MATTEO', 'PIETRO', 'ANTON', 'KARL', 'ERIK', 'LARS', 'NILS',
  'OMAR', 'KARIM', 'SAMIR', 'RAVI', 'ARJUN', 'KENJI', 'HIRO', 'JIN', 'TAO', 'IVAN', 'VIKTOR', 'PAVEL',
  'OTTO', 'BRUNO', 'EMIL', 'FRANK', 'GEORGE', 'HARRY', 'ISAAC', 'JACK', 'KEVIN', 'LIAM', 'MARTIN', 'NEIL',
  'OWEN', 'RUBEN', 'STEFAN', 'VICTOR',
];

/** For patients whose sex is O or unknown. */
export const NEUTRAL_GIVEN: readonly string[] = [
  'ALEX', 'ROBIN', 'SAM', 'JORDAN', 'TAYLOR', 'CASEY', 'JAMIE', 'ARIEL', 'NOEL', 'RILEY', 'KAI', 'SASHA',
  'ANDREA', 'MORGAN', 'QUINN', 'AVERY', 'DREW', 'EDEN', 'LEE', 'RENE', 'CAMERON', 'DANA', 'JESSE', 'SKYLER',
];

export const FAMILY: readonly string[] = [
  'SMITH', 'JOHNSON', 'BROWN', 'TAYLOR', 'MILLER', 'WILSON', 'MOORE', 'CLARK', 'HALL', 'ALLEN', 'YOUNG', 'KING',
  'WRIGHT', 'SCOTT', 'GREEN', 'BAKER', 'ADAMS', 'NELSON', 'CARTER', 'MITCHELL', 'ROBERTS', 'TURNER', 'PHILLIPS', 'CAMPBELL',
  'PARKER', 'EVANS', 'EDWARDS', 'COLLINS', 'STEWART', 'MORRIS', 'MURPHY', 'COOK', 'ROGERS', 'MORGAN', 'COOPER', 'PETERSON',
  'REED', 'BAILEY', 'BELL', 'KELLY', 'HOWARD', 'WARD', 'COX', 'RICHARDSON', 'WOOD', 'WATSON', 'BROOKS', 'BENNETT',
  'GARCIA', 'MARTINEZ', 'LOPEZ', 'GONZALEZ', 'PEREZ', 'SANCHEZ', 'ROMERO', 'TORRES', 'RAMOS', 'ROSSI', 'RUSSO', 'FERRARI',
  'ESPOSITO', 'BIANCHI', 'ROMANO', 'COLOMBO', 'MUELLER', 'SCHMIDT', 'SCHNEIDER', 'FISCHER', 'WEBER', 'MEYER', 'WAGNER', 'BECKER',
  'HOFFMANN', 'KOCH', 'MARTIN', 'BERNARD', 'DUBOIS', 'LAURENT', 'LEROY', 'MOREAU', 'JANSEN', 'DEJONG', 'VISSER', 'BAKKER',
  'HANSEN', 'NIELSEN', 'LARSEN', 'BERG', 'NOVAK', 'KOWALSKI', 'NAGY', 'IVANOV', 'TANAKA', 'SATO', 'KIM', 'PARK',
];
