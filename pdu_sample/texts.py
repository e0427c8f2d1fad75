"""Free-text answers for the synthetic surveys, all written for this sample.

``{topic}`` is replaced by a short phrase for the event's topic.
"""

MOST_USEFUL = (
    "The table discussions about {topic} and hearing how other services go about it.",
    "Practical examples of {topic} from a project that already works this way.",
    "Meeting workers from other agencies on my table. I now know who to ring.",
    "The speaker with lived experience made {topic} real rather than theory.",
    "The handouts on {topic} - I will use them with the team.",
    "Case studies, short and to the point.",
    "Having time to stop and reflect on my own practice.",
    "Finding out where I can signpost the people I support.",
    "A clear explanation of {topic} and the thinking behind it.",
    "The chance to put questions to the panel.",
    "Hearing that other teams struggle with the same things we do.",
    "The local information - who does what in the city.",
    "Group exercise in the afternoon.",
    "Everything really, it was pitched at the right level.",
    "Learning about referral routes I did not know existed.",
)

DO_DIFFERENTLY = (
    "Slow down at first appointments and spend less of the time on forms.",
    "Ask what matters to the person before starting the risk assessment.",
    "Pass the referral routes on to my team at our next meeting.",
    "Look again at how our reception area feels to someone arriving in crisis.",
    "Use more strengths-based language when writing support plans.",
    "Refer earlier to specialist services rather than trying to hold everything myself.",
    "Check in with colleagues after difficult incidents instead of moving straight on.",
    "Not sure yet, I need to talk it through with my manager.",
    "Think about {topic} when reviewing our house rules.",
    "Give people more choice about where and when we meet.",
    "Keep a list of the contacts I made and actually use it.",
    "Bring a service user voice into our team meetings.",
)

OTHER_COMMENTS = (
    "Well organised, thank you.",
    "The room was a bit cramped for the numbers.",
    "Would value a follow-up session in a few months.",
    "More time for questions please.",
    "Good to see so many agencies in one room.",
    "Lunch was appreciated!",
    "Could the slides be sent out before the day?",
    "Some of it covered things I already knew but it was still worth coming.",
    "Please run this one again for new staff.",
    "The afternoon felt rushed.",
    "Parking near the venue was difficult.",
    "Really friendly atmosphere.",
    "A longer session would have allowed more depth on {topic}.",
    "Thank you to the speakers.",
)

# Answers of the Windows-1252 export: a curly apostrophe, an en dash and a pound sign survive that encoding.
CP1252_ANSWERS = (
    "I didn’t know half of these services existed – very useful.",
    "Free training like this is rare; most courses cost us £150 a place.",
    "The speaker’s own story stayed with me.",
)

SHARE_OTHER = ("Our board of trustees", "Student social workers on placement", "The night staff at our hostel", "Our volunteers' forum")

HEARD_OTHER = ("My manager sent me", "Through the Steering Group", "A flyer at the drop-in", "Told about it at a team away day")

SHARED_OTHER = ("Our trustees", "At a multi-agency meeting")

ACTIONS = (
    "We have introduced the Pledge in our hostel and talked it through with residents at the house meeting.",
    "Working towards signing up to the Pledge - we are asking the people who use our service what they think of it first.",
    "Took the Pledge to our team meeting and my manager has agreed we will adopt it over the summer.",
    "I have started going through the Pledge with new clients when they first come to us.",
    "Our service is drafting its own version of the Pledge with the residents' group.",
)

ACTIONS = (
    "Changed how I run first appointments: fewer forms, more conversation.",
    "We walked round our building with fresh eyes and took down most of the notices in the lounge.",
    "Referred two people to a women's service I met at the event.",
    "I now ask about past experiences of trauma in a gentler way and let people set the pace.",
    "Rewrote our induction pack in plainer language.",
    "Set up a monthly get-together for residents to tell us what is and is not working.",
    "Shared the slides with my team and we used them in a team development session.",
    "Started using a strengths-based format for support plans.",
    "Linked up with the probation officer I met to plan release dates for a shared client.",
    "Booked my whole team on to the next session.",
    "Reviewed our eviction process so a warning comes with an offer of support.",
    "We now meet new clients somewhere they choose rather than always at the office.",
    "I give people more time before deciding a case is not engaging.",
    "Put together a contact sheet of local services for the front desk.",
    "We have asked service users to help us design our feedback form.",
    "Changed the way I respond to incidents - I step back first rather than react.",
    "Included a session on complex needs in our volunteer training.",
    "Started attending the Community of Practice to keep the learning going.",
    "Raised the idea of single-sex accommodation in our service review.",
    "Made a point of following up referrals by phone instead of email.",
)

NO_ACTION = ("Not yet.", "Nothing specific so far.", "Waiting for my manager's agreement.", "Too early to say.")

IMPROVE = (
    "Longer sessions so there is time to go into more depth.",
    "Follow-up sessions to talk about how putting things into practice went.",
    "More people from statutory services in the room.",
    "Send out the resources a few weeks after as a reminder.",
    "Re-run the earlier topics for new starters.",
    "More about how to actually do it, not just why.",
    "Get managers to come as well as front line workers.",
    "Keep them as they are, they work well.",
    "More time for networking.",
    "Clearer information beforehand about what each event will cover.",
    "Some events later in the day for people on shifts.",
    "A certificate or some kind of accreditation would help with our training records.",
    "Fewer presentations, more discussion.",
    "Hold some of them outside the city centre.",
)
