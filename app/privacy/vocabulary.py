"""Word lists that several patterns share (``patterns.py``), as regular-expression groups."""

from __future__ import annotations

# A person's own: "his", "her", or a name's possessive ("Dana's": a pattern may start at the
# apostrophe).
THEIR = r"(?:his|her|'s)"
# Whoever owns what a veto covers, so that it covers a finding that starts with the owner
# ("Acme's sister company", "her family business").
OWNER = r"(?:(?:his|her|their|its|our|'s) )?"
RELATIVE = (
    r"(?:wife|husband|spouse|ex-wife|ex-husband|kids?|children|son|sons|daughters?|baby|twins"
    r"|mom|mum|mother|dad|father|parents|brother|sister|siblings?|grandsons?|granddaughters?"
    r"|grandkids|grandchildren|grandmother|grandfather|grandma|grandpa|nieces?|nephews?|aunt"
    r"|uncle|cousin|in-laws|mother-in-law|father-in-law|stepson|stepdaughter|stepkids|fianc[ée]e?"
    r"|boyfriend|girlfriend|ex-boyfriend|ex-girlfriend|ex|partner|teenager)"
)
# Peoples and nationalities as a person's origin; the patterns below require a person ("is
# Polish", "Korean descent") so that "the French subsidiary" stays a company.
PEOPLE = (
    r"(?:african|afghan|albanian|algerian|american|arab|argentin(?:e|ian)|armenian|ashanti"
    r"|ashkenazi|asian|australian|austrian|bangladeshi|belgian|bengali|bosnian|brazilian|british"
    r"|bulgarian|burmese|cambodian|canadian|caribbean|chilean|chinese|colombian|congolese"
    r"|croatian|cuban|czech|danish|dominican|dutch|ecuadorian|egyptian|english|eritrean|ethiopian"
    r"|filipin[ao]|finnish|french|german|ghanaian|greek|guatemalan|gujarati|haitian|hispanic"
    r"|hmong|hungarian|igbo|indian|indonesian|iranian|iraqi|irish|israeli|italian|jamaican"
    r"|japanese|kenyan|korean|kurdish|lakota|laotian|latin[aox]|latinx|lebanese|lithuanian"
    r"|malaysian|maori|mexican|moroccan|navajo|nepali|nigerian|norwegian|pakistani|palestinian"
    r"|persian|peruvian|polish|portuguese|puerto rican|punjabi|roma|romani|romanian|russian"
    r"|rwandan|salvadoran|samoan|scottish|senegalese|serb(?:ian)?|sephardi(?:c)?|sikh|slovak"
    r"|somali|spanish|sri lankan|sudanese|swedish|syrian|taiwanese|tamil|thai|tibetan|turkish"
    r"|ugandan|ukrainian|venezuelan|vietnamese|welsh|yoruba|zimbabwean|zulu|cherokee|ojibwe"
    r"|aboriginal|caucasian|biracial|multiracial)"
)
BODY = (
    r"(?:wisdom teeth|teeth|tooth|knees?|hips?|back|spine|neck|shoulder|elbow|wrist|ankle|foot"
    r"|feet|eyes?|heart|lungs?|liver|kidneys?|gallbladder|appendix|tonsils|thyroid|prostate"
    r"|bladder|bowel|colon|stomach|cataracts?|retina|cornea|acl|meniscus|rotator cuff|hernia)"
)
CRIME = (
    r"(?:fraud|embezzl\w+|theft|stealing|shoplifting|assault|battery|robbery|burglary|murder"
    r"|manslaughter|dui|dwi|drink[- ]driving|drunk[- ]driving|drug \w+|trafficking|possession"
    r"|bribery|kickbacks|insider trading|tax evasion|tax fraud|money laundering|wire fraud"
    r"|securities fraud|vandalism|hacking|domestic violence|stalking|arson|extortion|smuggling"
    r"|forgery|perjury|rape|sexual assault|child abuse|a crime|crimes?)"
)
